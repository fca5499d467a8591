/**
 * The one metrics registry of a process (Prometheus, prom-client) and the catalogue of every metric the system
 * exports: its name, kind, labels and meaning are written here once, and nowhere else. The code that counts imports
 * the metric from here (the command loop, the event store, the relay, the inbox consumers, the timer worker, the HTTP
 * apps); every service serves the registry as `/metrics` on its ops listener (ops-server.ts), and the Grafana
 * dashboard and the alert rules in k8s/monitoring/ may name only what this catalogue holds (test/deploy/monitoring.spec.ts).
 *
 * What it costs on the hot path: counters and histograms in memory (a label lookup and an addition). Whatever needs a
 * query (relay lag, timers due and late, readiness) is computed when Prometheus scrapes, never per request or event.
 *
 * One registry per process: a service runs in a process of its own, so its metrics need no `service` label
 * (Prometheus adds the pod and job). Tests that run several services in one process see their counts added up.
 * Conventions: `payment_ledger_` prefix, base units (`_seconds`), `_total` counters; Node's process metrics
 * (`process_*`, `nodejs_*`) come from prom-client's defaults without a prefix.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();

/** The content type of `metricsText()` (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

const registers = [metricsRegistry];

/** Request latencies: fine below the gateway's 50 ms p99 target, coarse up to the service call timeout. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Timer delays: a timer runs within a poll (about a second) of its due time; minutes late is an incident. */
const DELAY_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

// HTTP (the gateway on Fastify, the sandbox page on Express: http-metrics.ts) ------------------------------------

export const httpRequestDuration = new Histogram({
  name: 'payment_ledger_http_request_duration_seconds',
  help:
    'HTTP requests answered, by method, route template (never the raw URL: "unmatched" when no route matched) and ' +
    'status code, and how long each took from its arrival to its last byte; `_count` counts the requests.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

// The command loop (libs/event-store handle-command.ts) -----------------------------------------------------------

export const commandsHandled = new Counter({
  name: 'payment_ledger_commands_total',
  help:
    'Commands run through the command loop, by aggregate (stream type), command and outcome: appended (new events ' +
    'stored), unchanged (nothing to do), refused (a domain error), conflict (concurrency retries used up), failed ' +
    '(any other error).',
  labelNames: ['aggregate', 'command', 'outcome'] as const,
  registers,
});

export const commandConcurrencyRetries = new Counter({
  name: 'payment_ledger_command_concurrency_retries_total',
  help: 'Times the command loop lost a race on a stream (stale expected version) and decided again, by aggregate.',
  labelNames: ['aggregate', 'command'] as const,
  registers,
});

// The event store and the relay (libs/event-store, libs/messaging event-relay.ts) --------------------------------

export const eventsAppended = new Counter({
  name: 'payment_ledger_events_appended_total',
  help: 'Events appended to the event store by this process, by stream type.',
  labelNames: ['stream_type'] as const,
  registers,
});

export const eventsRelayed = new Counter({
  name: 'payment_ledger_events_relayed_total',
  help: 'Events the relay published to Kafka (checkpoint moved past them), by relay.',
  labelNames: ['relay'] as const,
  registers,
});

export const relayLag = new Gauge({
  name: 'payment_ledger_relay_lag_events',
  help:
    'Events in the store past the relay checkpoint, not yet published to Kafka, by relay (reported by the replica ' +
    'that leads; counted when scraped, at most 100000).',
  labelNames: ['relay'] as const,
  registers,
});

export const relayLeader = new Gauge({
  name: 'payment_ledger_relay_leader',
  help: '1 while this process leads the relay (holds its lock and publishes), 0 while it follows, by relay.',
  labelNames: ['relay'] as const,
  registers,
});

// Inbox consumers (libs/messaging inbox-consumer.ts) --------------------------------------------------------------

export const consumerLag = new Gauge({
  name: 'payment_ledger_consumer_lag_messages',
  help:
    "Messages of a partition not yet consumed (its high watermark minus the consumer's next offset), by consumer, " +
    'topic and partition; set after each batch.',
  labelNames: ['consumer', 'topic', 'partition'] as const,
  registers,
});

export const consumerEventsHandled = new Counter({
  name: 'payment_ledger_consumer_events_total',
  help: 'Events an inbox consumer applied or found already applied (redeliveries), by consumer.',
  labelNames: ['consumer'] as const,
  registers,
});

export const messagesDeadLettered = new Counter({
  name: 'payment_ledger_messages_dead_lettered_total',
  help: 'Messages a consumer sent to the dead-letter topic (malformed, or its handler kept failing), by consumer and topic.',
  labelNames: ['consumer', 'topic'] as const,
  registers,
});

// Durable timers (libs/timers timer-worker.ts) -------------------------------------------------------------------

export const timersDue = new Gauge({
  name: 'payment_ledger_timers_due',
  help: 'Timers whose due time has come and that have not run to completion yet, by queue (counted when scraped).',
  labelNames: ['queue'] as const,
  registers,
});

export const timersLate = new Gauge({
  name: 'payment_ledger_timers_late',
  help: 'Of the due timers, those due for more than a minute, by queue (counted when scraped).',
  labelNames: ['queue'] as const,
  registers,
});

export const timersFired = new Counter({
  name: 'payment_ledger_timers_fired_total',
  help: 'Timer runs, by queue and outcome: done, rescheduled, failed (retried after a backoff).',
  labelNames: ['queue', 'outcome'] as const,
  registers,
});

export const timerDelay = new Histogram({
  name: 'payment_ledger_timer_delay_seconds',
  help: 'How long after its due time (service clock) a timer started to run, by queue.',
  labelNames: ['queue'] as const,
  buckets: DELAY_BUCKETS,
  registers,
});

// Webhooks (apps/webhooks) ----------------------------------------------------------------------------------------

export const webhookAttempts = new Counter({
  name: 'payment_ledger_webhook_attempts_total',
  help:
    'Webhook delivery attempts, by outcome: succeeded (2xx), failed (any other answer), timeout, network, ' +
    'refused_address (the URL resolved to an address the outbound rules refuse), endpoint_gone (410).',
  labelNames: ['outcome'] as const,
  registers,
});

export const webhookAttemptDuration = new Histogram({
  name: 'payment_ledger_webhook_attempt_duration_seconds',
  help: "How long a webhook delivery attempt took, until the receiver's answer or the timeout.",
  buckets: LATENCY_BUCKETS,
  registers,
});

export const webhookDeliveryDelay = new Histogram({
  name: 'payment_ledger_webhook_delivery_delay_seconds',
  help: 'From the event stored to its webhook delivered (answered 2xx), retries included.',
  buckets: DELAY_BUCKETS,
  registers,
});

// Readiness (libs/platform health) -------------------------------------------------------------------------------

export const serviceReady = new Gauge({
  name: 'payment_ledger_ready',
  help: '1 when the service answers /health/ready with 200 (database, Kafka clients, not draining), else 0.',
  registers,
});

/** Every metric the system exports under its own name (Node's process metrics aside): the catalogue. */
export const METRICS = [
  httpRequestDuration,
  commandsHandled,
  commandConcurrencyRetries,
  eventsAppended,
  eventsRelayed,
  relayLag,
  relayLeader,
  consumerLag,
  consumerEventsHandled,
  messagesDeadLettered,
  timersDue,
  timersLate,
  timersFired,
  timerDelay,
  webhookAttempts,
  webhookAttemptDuration,
  webhookDeliveryDelay,
  serviceReady,
] as const;

export interface CataloguedMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
}

/** The catalogue as data (for the dashboard and alert checks, and docs). */
export function metricCatalogue(): CataloguedMetric[] {
  return METRICS.map((metric) => {
    const { name, help, labelNames } = metric as unknown as { name: string; help: string; labelNames: string[] };
    const type = metric instanceof Counter ? 'counter' : metric instanceof Gauge ? 'gauge' : 'histogram';
    return { name, type, help, labels: labelNames };
  });
}

/** Node's process metrics (`process_*`, `nodejs_*`) without a prefix, from the first call on (idempotent). */
let defaultMetricsStarted = false;
export function startDefaultMetrics(): void {
  if (defaultMetricsStarted) return;
  defaultMetricsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The registry in Prometheus' text format (what `/metrics` answers). */
export function metricsText(): Promise<string> {
  return metricsRegistry.metrics();
}

/** A gauge's values as one source reports them when scraped. */
export type GaugeReading = { labels: Record<string, string>; value: number }[];
type GaugeSource = () => Promise<GaugeReading> | GaugeReading;

const gaugeSources = new Map<Gauge, Set<GaugeSource>>();

/**
 * Has `gauge` read from `source` at each scrape, with the values of its other sources (a relay, a timer worker of
 * each service in the process): the gauge is cleared and set anew, so a source that stopped leaves no stale value.
 * A source that fails is left out of that scrape. Returns what removes the source.
 */
export function readOnScrape(gauge: Gauge, source: GaugeSource): () => void {
  let sources = gaugeSources.get(gauge);
  if (!sources) {
    const set = new Set<GaugeSource>();
    gaugeSources.set(gauge, (sources = set));
    (gauge as unknown as { collect: () => Promise<void> }).collect = async () => {
      const readings = await Promise.all(
        [...set].map(async (read) => {
          try {
            return await read();
          } catch {
            return [];
          }
        }),
      );
      gauge.reset();
      for (const { labels, value } of readings.flat()) gauge.set(labels, value);
    };
  }
  sources.add(source);
  return () => void sources.delete(source);
}
