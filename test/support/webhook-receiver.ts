import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, its signature checked with `standardwebhooks` (not this repo's code) on arrival. */
export interface WebhookReceipt {
  /** `webhook-id`: the CloudEvent's id, one per merchant event. */
  webhookId: string;
  /** Whether the signature verified under the endpoint's secret (and the timestamp was within tolerance). */
  valid: boolean;
  /** What the receiver answered (a receipt answered 503 is a failed attempt, to be delivered again). */
  answered: number;
  /** From the verified envelope (the raw body's, when it did not verify): the object, its event type and version. */
  subject: string | null;
  type: string | null;
  streamVersion: number | null;
  receivedAt: number;
}

/**
 * A merchant's webhook receiver on 127.0.0.1: verifies each delivery's signature with `standardwebhooks` under
 * `secret` as it arrives and keeps a receipt of it; answers 200, or 503 for a share `failRate` of requests (chosen by
 * `random`, so a seeded run fails the same ones), which the webhooks service must deliver again.
 */
export class WebhookReceiver {
  readonly receipts: WebhookReceipt[] = [];
  secret = '';
  origin = '';
  private server?: Server;

  constructor(private readonly options: { failRate?: number; random?: () => number } = {}) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(request.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the envelope is read field by field
        let envelope: any = null;
        let valid = false;
        try {
          envelope = new Webhook(this.secret).verify(body, headers);
          valid = true;
        } catch {
          try {
            envelope = JSON.parse(body);
          } catch {
            envelope = null;
          }
        }
        const fail =
          (this.options.failRate ?? 0) > 0 && (this.options.random ?? Math.random)() < this.options.failRate!;
        const answered = fail ? 503 : 200;
        this.receipts.push({
          webhookId: headers['webhook-id'],
          valid,
          answered,
          subject: typeof envelope?.subject === 'string' ? envelope.subject : null,
          type: typeof envelope?.type === 'string' ? envelope.type : null,
          streamVersion: typeof envelope?.data?.streamVersion === 'number' ? envelope.data.streamVersion : null,
          receivedAt: Date.now(),
        });
        response.writeHead(answered, { 'content-type': 'text/plain' }).end(fail ? 'down' : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}
