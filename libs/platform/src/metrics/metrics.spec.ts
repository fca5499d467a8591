import { Gauge, Registry } from 'prom-client';
import { expressRequestLogging, registerFastifyAccessLog } from '../logging/access-log';
import { JsonLogger } from '../logging/json-logger';
import { UNMATCHED_ROUTE } from './http-metrics';
import { httpRequestDuration, metricCatalogue, metricsText, readOnScrape } from './metrics';

describe('the metric catalogue', () => {
  it('names every metric by the Prometheus conventions: prefix, base units, _total counters, documented', () => {
    const catalogue = metricCatalogue();
    expect(catalogue.length).toBeGreaterThanOrEqual(15);
    for (const metric of catalogue) {
      expect(metric.name).toMatch(/^payment_ledger_[a-z0-9_]+$/);
      expect(metric.help.length).toBeGreaterThan(20);
      if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (metric.type === 'histogram') expect(metric.name).toMatch(/_seconds$/);
      expect(metric.name).not.toMatch(/_(ms|milliseconds)\b/);
    }
    expect(new Set(catalogue.map((m) => m.name)).size).toBe(catalogue.length);
  });

  it('is what the registry exports, in the text format', async () => {
    const text = await metricsText();
    for (const { name, type } of metricCatalogue()) expect(text).toContain(`# TYPE ${name} ${type}`);
  });
});

describe('readOnScrape', () => {
  it('sets a gauge from every source at each scrape, forgets removed and failing sources', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'test_lag', help: 'lag', labelNames: ['relay'], registers: [registry] });
    let lag = 3;
    const stopA = readOnScrape(gauge, () => [{ labels: { relay: 'a' }, value: lag }]);
    readOnScrape(gauge, async () => [{ labels: { relay: 'b' }, value: 7 }]);
    readOnScrape(gauge, () => Promise.reject(new Error('database down')));
    expect(await registry.metrics()).toContain('test_lag{relay="a"} 3\ntest_lag{relay="b"} 7');
    lag = 0;
    expect(await registry.metrics()).toContain('test_lag{relay="a"} 0');
    stopA();
    const text = await registry.metrics();
    expect(text).not.toContain('relay="a"'); // no stale value of a stopped relay
    expect(text).toContain('test_lag{relay="b"} 7');
  });
});

/** Requests are counted by the one hook on answered requests, the access log's. */
describe('HTTP request metrics', () => {
  const quiet = new JsonLogger('metrics-test', 'error', { write: () => undefined });
  const countOf = async (labels: Record<string, string>) =>
    (await httpRequestDuration.get()).values.find(
      (v) =>
        v.metricName === 'payment_ledger_http_request_duration_seconds_count' &&
        Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
    )?.value ?? 0;

  it('labels a request by its route template, never by its URL; unmatched requests by one label', async () => {
    type Hook = (request: object, reply: object, done: () => void) => void;
    let hook: Hook | undefined;
    registerFastifyAccessLog({ addHook: (_: string, h: Hook) => (hook = h) }, quiet);
    const before = await countOf({ route: '/v1/payment-charges/:id', status: '200' });
    let done = 0;
    hook!(
      { method: 'GET', url: '/v1/payment-charges/charge_secret', routeOptions: { url: '/v1/payment-charges/:id' } },
      { statusCode: 200, elapsedTime: 12.5 },
      () => done++,
    );
    hook!({ method: 'GET', url: '/tok_123', routeOptions: {} }, { statusCode: 404, elapsedTime: 1 }, () => done++);
    expect(done).toBe(2);
    expect(await countOf({ route: '/v1/payment-charges/:id', status: '200', method: 'GET' })).toBe(before + 1);
    expect(await countOf({ route: UNMATCHED_ROUTE, status: '404' })).toBeGreaterThanOrEqual(1);
    const text = await metricsText();
    expect(text).not.toContain('charge_secret');
    expect(text).not.toContain('tok_123');
  });

  it('on Express, reads the matched route when the response is done', async () => {
    type Middleware = (request: object, response: object, next: () => void) => void;
    const middleware = expressRequestLogging(quiet, () => 'evt_1').accessLog as Middleware;
    const finish: (() => void)[] = [];
    const request = { method: 'POST', baseUrl: '', headers: {}, route: undefined as { path: string } | undefined };
    const response = {
      statusCode: 303,
      setHeader: () => undefined,
      once: (_: string, listener: () => void) => finish.push(listener),
    };
    let nexts = 0;
    middleware(request, response, () => nexts++);
    request.route = { path: '/sandbox/charges/:token/approve' }; // set by the router before the handler answers
    finish.forEach((listener) => listener());
    expect(nexts).toBe(1);
    expect(await countOf({ method: 'POST', route: '/sandbox/charges/:token/approve', status: '303' })).toBe(1);
  });
});
