/**
 * What a readiness probe reports, check by check. A critical check that is down makes the service unready (503);
 * a non-critical one (a service it calls) is only reported: one service down must not take its callers out of
 * rotation.
 */
export interface HealthCheck {
  status: 'up' | 'down';
  critical: boolean;
  [detail: string]: unknown;
}

export type HealthChecks = Record<string, HealthCheck>;

export interface HealthAnswer {
  status: 'ok' | 'unavailable';
  checks: HealthChecks;
}

/**
 * The method by which a provider reports on a client it holds (the Kafka clients of the messaging module, an RPC
 * client): HealthService finds every provider that has it, in any module, and asks it on each readiness probe.
 */
export const READINESS_CHECK = Symbol.for('payment-ledger.readiness-check');

export interface ReadinessSource {
  [READINESS_CHECK](): Promise<HealthChecks> | HealthChecks;
}

export function isReadinessSource(value: unknown): value is ReadinessSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<ReadinessSource>)[READINESS_CHECK] === 'function'
  );
}
