import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkOutboundUrl, type OutboundUrlPolicy, pinnedLookup } from '@payment-ledger/platform';

/** What one POST to a receiver came to: an answer (status, headers, the start of its body), or no answer. */
export interface SendResult {
  status?: number;
  headers?: Record<string, string | undefined>;
  /** At most `maxBodyBytes` of the answer's body, as text. */
  body?: string;
  error?: 'timeout' | 'network' | 'refused_address';
  /** What went wrong, in words (never a secret: URLs are the merchant's own, addresses are public). */
  errorMessage?: string;
  latencyMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  policy: OutboundUrlPolicy;
}

/**
 * Connections kept open between attempts to one receiver (host and port): a busy endpoint is not a new TCP (and TLS)
 * handshake per delivery. A kept connection was made to an address checked when it was opened (see pinnedLookup);
 * a new one is checked again.
 */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 5_000, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 };
const httpAgent = new HttpAgent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);

/**
 * POSTs a webhook. The URL is checked again at each attempt (its host resolved now, every address public unless the
 * host is allow-listed) and the connection pinned to the addresses checked, so a name that resolves to a private
 * address later (DNS rebinding) is refused rather than reached. Redirects are not followed (an answer 3xx is a
 * failure); the whole attempt, connection included, is bounded by `timeoutMs`; only `maxBodyBytes` of the answer are
 * read, the rest is dropped with the connection.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const check = await checkOutboundUrl(url, options.policy);
  if (!check.ok) return { error: 'refused_address', errorMessage: check.message, latencyMs: elapsed() };
  const target = check.url;
  const https = target.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(check) as never,
        agent: https ? httpsAgent : httpAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const answer = () => {
          const answered: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            answered[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          finish({
            status: res.statusCode,
            headers: answered,
            body: Buffer.concat(chunks).subarray(0, options.maxBodyBytes).toString('utf8'),
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= options.maxBodyBytes) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= options.maxBodyBytes) {
            answer();
            res.destroy(); // the rest is not read: this connection is not kept
          }
        });
        res.on('end', answer);
        res.on('error', answer);
      },
    );
    const timer = setTimeout(() => {
      finish({ error: 'timeout', errorMessage: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error) => finish({ error: 'network', errorMessage: error.message }));
    req.end(body);
  });
}
