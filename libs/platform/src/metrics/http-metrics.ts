import { httpRequestDuration } from './metrics';

/** The route label of a request no route matched: its raw URL could carry ids or tokens, and has no bound. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Records one answered request (payment_ledger_http_request_duration_seconds) by the route template the framework
 * matched (`/v1/payment-charges/:id`, never the URL with its ids and tokens; undefined when none matched). Called by
 * the one hook on answered requests, the access log's (logging/access-log.ts), so a request is observed once.
 */
export function recordHttpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
  httpRequestDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status: String(status) }, seconds);
}
