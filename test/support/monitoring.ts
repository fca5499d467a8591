/**
 * What k8s/monitoring holds (the Prometheus alert rules and the Grafana dashboard), read as data: their PromQL
 * expressions and the metric names those expressions use. test/deploy/monitoring.spec.ts checks them against the
 * metric catalogue; the end-to-end run checks that every one of them is in a live scrape of the services.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
export const ALERTS_PATH = 'k8s/monitoring/alerts.yaml';
export const DASHBOARD_PATH = 'k8s/monitoring/dashboard.json';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(join(ROOT, ALERTS_PATH), 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
  panels?: DashboardPanel[];
}

export function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, DASHBOARD_PATH), 'utf8')) as {
    panels: DashboardPanel[];
    templating?: { list: { query?: unknown }[] };
  };
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  const variables = (dashboard.templating?.list ?? []).flatMap((variable) => {
    const query = variable.query as { query?: string } | string | undefined;
    const text = typeof query === 'string' ? query : query?.query;
    return text && text.includes('(') ? [{ panel: 'variable', expr: text }] : [];
  });
  return [
    ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))),
    ...variables,
  ];
}

/** PromQL words that are not metric names: functions, aggregations, keywords. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'rate',
  'increase',
  'deriv',
  'irate',
  'delta',
  'absent',
  'histogram_quantile',
  'label_values',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'topk',
  'bottomk',
  'le',
]);

/**
 * The metric names an expression uses: identifiers followed by a selector, a range or an operator, not inside a
 * label matcher or string; a histogram's `_bucket` / `_count` / `_sum` series as they are written.
 */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/label_values\(([^,]*),\s*\w+\)/g, '$1'); // a Grafana variable's label argument
  const byClause = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;
  const names = withoutStrings.replace(byClause, '').match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name) && !/^\d/.test(name)))];
}

/** Every metric name the alerts and the dashboard use, as written. */
export function monitoredMetricNames(): string[] {
  const expressions = [...alertRules().map((rule) => rule.expr), ...dashboardExpressions().map((d) => d.expr)];
  return [...new Set(expressions.flatMap(metricNamesIn))].sort();
}

/** Made by Prometheus itself when it scrapes (never in a /metrics answer). */
export const SCRAPE_METRICS = new Set(['up']);
