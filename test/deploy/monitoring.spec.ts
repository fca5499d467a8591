import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { metricCatalogue } from '@payment-ledger/platform';
import {
  ALERTS_PATH,
  alertRules,
  dashboardExpressions,
  metricNamesIn,
  monitoredMetricNames,
  SCRAPE_METRICS,
} from '../support/monitoring';

// The alert rules and the Grafana dashboard of k8s/monitoring: valid for Prometheus (promtool, from Debian's
// `prometheus` package, which `npm run setup` installs), naming only metrics the services export, and each alert
// explained in docs/operations.md. The end-to-end run checks the same names against live scrapes.
const ROOT = join(__dirname, '..', '..');

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`promtool could not run (${result.error.message}): run \`npm run setup\`, which installs it`);
  }
  return result;
}

/** Node's process metrics as prom-client names them (`process_*`, `nodejs_*`). */
function defaultMetricNames(): Set<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = registry.getMetricsAsArray().map((metric) => (metric as unknown as { name: string }).name);
  registry.clear();
  return new Set(names);
}

/** The catalogued metric (or Node default) a series name belongs to; undefined when none does. */
function exporterOf(series: string, defaults: Set<string>): string | undefined {
  const catalogue = metricCatalogue();
  const exact = catalogue.find((metric) => metric.name === series);
  if (exact) return exact.type === 'histogram' ? undefined : exact.name; // a histogram is read through its series
  const histogram = /^(.*)_(bucket|count|sum)$/.exec(series);
  if (histogram && catalogue.some((m) => m.name === histogram[1] && m.type === 'histogram')) return histogram[1];
  if (defaults.has(series) || SCRAPE_METRICS.has(series)) return series;
  return undefined;
}

describe('monitoring (k8s/monitoring)', () => {
  it('promtool accepts the alert rules, and refuses a broken copy (the check is real)', () => {
    const result = promtool('check', 'rules', join(ROOT, ALERTS_PATH));
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    try {
      const broken = readFileSync(join(ROOT, ALERTS_PATH), 'utf8').replace(
        'expr: up{job="payment-ledger"} == 0',
        'expr: up{job="payment-ledger" == 0',
      );
      writeFileSync(join(dir, 'alerts.yaml'), broken);
      expect(promtool('check', 'rules', join(dir, 'alerts.yaml')).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names only metrics the services export (the catalogue, Node defaults) or Prometheus makes (up)', () => {
    const defaults = defaultMetricNames();
    const unknown = monitoredMetricNames().filter((name) => exporterOf(name, defaults) === undefined);
    expect(unknown).toEqual([]);
    expect(metricNamesIn('sum by (service) (rate(a_total{status=~"5.."}[5m])) / on(service) b > 0.2')).toEqual([
      'a_total',
      'b',
    ]);
  });

  it('shows every catalogued metric on the dashboard', () => {
    const defaults = defaultMetricNames();
    const shown = new Set(
      dashboardExpressions()
        .flatMap((d) => metricNamesIn(d.expr))
        .map((name) => exporterOf(name, defaults)),
    );
    expect(
      metricCatalogue()
        .filter((metric) => !shown.has(metric.name))
        .map((m) => m.name),
    ).toEqual([]);
  });

  it('alerts on what matters to a payments on-call engineer', () => {
    const rules = alertRules();
    const using = (pattern: RegExp) => rules.filter((rule) => pattern.test(rule.expr)).map((rule) => rule.alert);
    expect(using(/\bup\{/)).not.toEqual([]); // a service down
    expect(using(/payment_ledger_ready/)).not.toEqual([]); // not ready
    expect(using(/status=~"5\.\."/)).not.toEqual([]); // 5xx rate
    expect(using(/histogram_quantile\(0\.99,[\s\S]*http_request_duration_seconds_bucket/)).not.toEqual([]); // p99
    expect(using(/payment_ledger_relay_lag_events/)).not.toEqual([]);
    expect(using(/payment_ledger_consumer_lag_messages/)).not.toEqual([]);
    expect(using(/payment_ledger_messages_dead_lettered_total/)).not.toEqual([]);
    expect(using(/payment_ledger_timers_late/)).not.toEqual([]);
    expect(using(/payment_ledger_command_concurrency_retries_total/)).not.toEqual([]);
  });

  it('gives each alert a severity, a summary, a description and its entry in docs/operations.md', () => {
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const rules = alertRules();
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
      });
      expect(rule.annotations).toMatchObject({
        summary: expect.any(String),
        description: expect.any(String),
        runbook_url: `docs/operations.md#${rule.alert.toLowerCase()}`,
      });
      // Its heading (the anchor of runbook_url), then what it means and what to do.
      expect({ alert: rule.alert, documented: operations.includes(`\n#### ${rule.alert}\n`) }).toEqual({
        alert: rule.alert,
        documented: true,
      });
    }
  });
});
