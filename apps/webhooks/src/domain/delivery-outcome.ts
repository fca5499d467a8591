import { retryAfterMs } from './retry-schedule';

/*
 * What one attempt's answer means for the delivery. Only a 2xx is success: a 3xx is a failure (redirects are not
 * followed: a redirect could point anywhere, past the address checks), as is every other status, a timeout, a
 * network error, or an address the check refused at sending time. A 410 Gone is the receiver saying the endpoint is
 * no more: the endpoint is disabled. A 429 or 503 may say when to come back (`Retry-After`).
 */

export interface AttemptResult {
  status?: number;
  headers?: Record<string, string | undefined>;
  error?: 'timeout' | 'network' | 'refused_address';
}

export type DeliveryOutcome =
  | { kind: 'succeeded' }
  | { kind: 'endpoint_gone' }
  | {
      kind: 'retry';
      /** What the receiver's `Retry-After` asked for (429 and 503 only), or null: the schedule decides. */
      retryAfterMs: number | null;
    };

function header(headers: AttemptResult['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

export function classifyResponse(result: AttemptResult, now: Date): DeliveryOutcome {
  const { status } = result;
  if (result.error !== undefined || status === undefined) return { kind: 'retry', retryAfterMs: null };
  if (status >= 200 && status <= 299) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'endpoint_gone' };
  if (status === 429 || status === 503) {
    return { kind: 'retry', retryAfterMs: retryAfterMs(header(result.headers, 'retry-after'), now) };
  }
  return { kind: 'retry', retryAfterMs: null };
}
