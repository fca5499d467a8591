/**
 * A realistic mix of what merchants and consumers do, driven over HTTP against a running stack (the gateway and the
 * sandbox's hosted pages), for the fault suite and the soak run:
 *
 * - one-time charges: create (MANUAL or AUTOMATIC capture), the consumer approves on the sandbox page (the form POST
 *   the page's "Pay now" sends, without a browser), a MANUAL one captured (whole, partly, or by two captures at once
 *   that together ask for more than was authorized), then refunds (sometimes two at once asking for more than was
 *   captured) and sandbox chargebacks;
 * - recurring agreements: create (monthly, an initial charge), the consumer consents on the sandbox page, a merchant
 *   charge on the saved method, the agreement's test clock advanced by a month or two (sometimes twice at once) so the
 *   scheduler bills periods, a refund of the initial charge.
 *
 * Each worker runs one flow after another. Every request carries its own idempotency key and is sent again with the
 * same key, with backoff, when it got no definite answer (a network error, a timeout, a 5xx, a 429, or 409
 * idempotency_key_in_use), up to `maxAttempts`. Each request's outcome is kept: `succeeded` (a 2xx, with the id it
 * returned: what an auditor checks is reflected exactly once), `refused` (a definite 4xx: counted by failure code)
 * and `unsettled` (no definite answer in the end: it may or may not have happened).
 */
import { randomUUID } from 'node:crypto';

export type OperationKind =
  | 'createCharge'
  | 'approveCharge'
  | 'capture'
  | 'refund'
  | 'chargeback'
  | 'createAgreement'
  | 'approveAgreement'
  | 'chargeAgreement'
  | 'advanceTestClock';

export const OPERATION_KINDS: readonly OperationKind[] = [
  'createCharge',
  'approveCharge',
  'capture',
  'refund',
  'chargeback',
  'createAgreement',
  'approveAgreement',
  'chargeAgreement',
  'advanceTestClock',
];

/** A request answered 2xx (the sandbox page's 303 for approvals). */
export interface SucceededOperation {
  kind: OperationKind;
  idempotencyKey: string | null;
  /** The id the answer named: the charge, capture, refund, chargeback or agreement (the agreement for approvals and advances). */
  id: string;
  /** The charge (captures, refunds, chargebacks) or agreement (its charges) it was made on; null otherwise. */
  parentId: string | null;
  amount: number | null;
  status: number;
  latencyMs: number;
  at: number;
}

/** A request that never got a definite answer: it may or may not have taken effect. */
export interface UnsettledOperation {
  kind: OperationKind;
  idempotencyKey: string | null;
  parentId: string | null;
  reason: string;
}

export interface RefusedOperation {
  kind: OperationKind;
  status: number;
  failureCode: string;
}

export interface LoadMixOptions {
  gatewayUrl: string;
  apiKey: string;
  /** Flows run at once (closed loop: each worker starts its next flow when its last ended). */
  concurrency: number;
  /** Flows started per second at most, over all workers (none: as fast as the workers go). */
  flowsPerSecond?: number;
  /** The mix's choices (amounts, which flow, what to do next); seed it to repeat a run. */
  random: () => number;
  /** A request's attempts before it is given up as unsettled (default 12: about a minute of backoff). */
  maxAttempts?: number;
  /** How long one attempt waits for its answer (default 15 s). */
  requestTimeoutMs?: number;
  /** Share of flows that are recurring agreements (default 0.3). */
  agreementShare?: number;
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  body: any;
  latencyMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const DAY_SECONDS = 24 * 3600;

export class LoadMix {
  readonly succeeded: SucceededOperation[] = [];
  readonly unsettled: UnsettledOperation[] = [];
  readonly refused: RefusedOperation[] = [];
  /** Flows that ended with an error this code did not expect (the message), for the report. */
  readonly flowErrors: string[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];
  private nextFlowAt = 0;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: LoadMixOptions) {
    this.maxAttempts = options.maxAttempts ?? 12;
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  start(): void {
    if (this.workers.length > 0) throw new Error('the load mix is running already');
    this.stopping = false;
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.worker());
  }

  /**
   * Lets each worker finish the flow it is in (its requests retried as usual) and resolves once all have; after
   * `graceMs` the flows still running stop retrying (their pending requests counted unsettled).
   */
  async stop(graceMs = 90_000): Promise<void> {
    this.stopping = true;
    const all = Promise.all(this.workers);
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([all, timer])) === 'late') {
      this.maxAttemptsOverride = 1;
      await all;
    }
    this.workers = [];
  }

  private maxAttemptsOverride: number | null = null;

  /** Per kind: 2xx answers, definite refusals, requests without a definite answer. */
  counts(): Record<OperationKind, { succeeded: number; refused: number; unsettled: number }> {
    const counts = Object.fromEntries(
      OPERATION_KINDS.map((k) => [k, { succeeded: 0, refused: 0, unsettled: 0 }]),
    ) as Record<OperationKind, { succeeded: number; refused: number; unsettled: number }>;
    for (const op of this.succeeded) counts[op.kind].succeeded++;
    for (const op of this.refused) counts[op.kind].refused++;
    for (const op of this.unsettled) counts[op.kind].unsettled++;
    return counts;
  }

  private random(): number {
    return this.options.random();
  }

  private between(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private async worker(): Promise<void> {
    while (!this.stopping) {
      if (this.options.flowsPerSecond) {
        const now = Date.now();
        const at = Math.max(now, this.nextFlowAt);
        this.nextFlowAt = at + 1000 / this.options.flowsPerSecond;
        if (at > now) await sleep(at - now);
        if (this.stopping) break;
      }
      try {
        if (this.random() < (this.options.agreementShare ?? 0.3)) await this.agreementFlow();
        else await this.chargeFlow();
      } catch (error) {
        this.flowErrors.push((error as Error).message);
        await sleep(500);
      }
    }
  }

  // ---------------------------------------------------------------- flows

  private async chargeFlow(): Promise<void> {
    const amount = this.between(500, 5000);
    const captureMethod = this.random() < 0.6 ? 'MANUAL' : 'AUTOMATIC';
    const created = await this.api('createCharge', 'POST', '/v1/payment-charges', null, {
      paymentMethod: 'AMAZON_PAY',
      amount: { value: amount, currency: 'USD' },
      consumer: { name: 'Load Mix', country: 'US' },
      captureMethod,
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
    });
    if (!created) return;
    const chargeId: string = created.body.id;
    const requestUrl: string = created.body.authenticationMethods?.[0]?.details?.requestUrl;
    if (this.random() < 0.05) return; // the consumer never comes back
    if (!(await this.approve('approveCharge', requestUrl, chargeId))) return;
    const charge = await this.waitForStatus(
      `/v1/payment-charges/${chargeId}`,
      captureMethod === 'MANUAL' ? ['CAPTURE_PENDING'] : ['CAPTURED'],
    );
    if (!charge) return;
    let captured = amount;
    if (captureMethod === 'MANUAL') {
      const shape = this.random();
      if (shape < 0.2) {
        // Two captures at once, together more than was authorized: at most one may go through in full.
        const parts = [this.between(Math.ceil(amount * 0.6), amount), this.between(Math.ceil(amount * 0.6), amount)];
        const answers = await Promise.all(parts.map((part) => this.capture(chargeId, part)));
        captured = answers.reduce((sum, a, i) => sum + (a ? parts[i] : 0), 0);
      } else if (shape < 0.5) {
        const part = this.between(1, amount);
        captured = (await this.capture(chargeId, part)) ? part : 0;
      } else {
        captured = (await this.capture(chargeId, undefined)) ? amount : 0;
      }
      if (captured === 0) return;
      if (!(await this.waitForStatus(`/v1/payment-charges/${chargeId}`, ['CAPTURED', 'PARTIALLY_CAPTURED']))) return;
    }
    await this.refundsAndChargebacks(chargeId, captured);
  }

  private async capture(chargeId: string, amount: number | undefined): Promise<boolean> {
    const answer = await this.api(
      'capture',
      'POST',
      `/v1/payment-charges/${chargeId}/captures`,
      chargeId,
      amount === undefined ? {} : { amount },
      amount ?? null,
    );
    return answer !== null;
  }

  private async refundsAndChargebacks(chargeId: string, captured: number): Promise<void> {
    const shape = this.random();
    if (shape < 0.25) {
      // Two refunds at once, together more than was captured.
      const parts = [
        this.between(Math.ceil(captured * 0.6), captured),
        this.between(Math.ceil(captured * 0.6), captured),
      ];
      await Promise.all(parts.map((part) => this.refund(chargeId, part)));
    } else if (shape < 0.6) {
      await this.refund(chargeId, this.between(1, Math.max(1, Math.floor(captured / 2))));
      if (this.random() < 0.5) await this.refund(chargeId, this.between(1, Math.max(1, Math.floor(captured / 2))));
    }
    if (this.random() < 0.15) {
      await this.api('chargeback', 'POST', `/v1/payment-charges/${chargeId}/chargebacks`, chargeId, {
        amount: this.between(1, captured),
        reason: 'product not received',
      });
    }
  }

  private async refund(chargeId: string, amount: number): Promise<void> {
    await this.api('refund', 'POST', `/v1/payment-charges/${chargeId}/refunds`, chargeId, { amount }, amount);
  }

  private async agreementFlow(): Promise<void> {
    const created = await this.api('createAgreement', 'POST', '/v1/payment-agreements', null, {
      paymentMethod: 'AMAZON_PAY',
      startDate: new Date().toISOString(),
      consumer: { name: 'Load Mix', country: 'US' },
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
      initialPaymentCharge: { amount: { value: 1000, currency: 'USD' } },
      frequency: { type: 'MONTHLY', interval: 1 },
      amount: { value: 1500, currency: 'USD' },
      amountType: 'MAX',
    });
    if (!created) return;
    const agreementId: string = created.body.id;
    const initialChargeId: string = created.body.initialPaymentChargeId;
    if (
      !(await this.approve(
        'approveAgreement',
        created.body.authenticationMethods?.[0]?.details?.requestUrl,
        agreementId,
      ))
    ) {
      return;
    }
    if (!(await this.waitForStatus(`/v1/payment-agreements/${agreementId}`, ['ACTIVE']))) return;
    if (this.random() < 0.5) {
      await this.api('chargeAgreement', 'POST', `/v1/payment-agreements/${agreementId}/payment-charges`, agreementId, {
        amount: { value: this.between(100, 1500), currency: 'USD' },
      });
    }
    // The scheduler learns of the agreement over Kafka: until then its test clock is not found (404).
    const months = this.random() < 0.3 ? 2 : 1;
    const advance = () =>
      this.api(
        'advanceTestClock',
        'POST',
        `/v1/payment-agreements/${agreementId}/test-clock/advances`,
        agreementId,
        { seconds: 31 * DAY_SECONDS },
        null,
        { retryOn404: 'billing_schedule_not_found' },
      );
    for (let month = 0; month < months; month++) {
      // Sometimes two advances at once: each billing period must still be charged at most once.
      if (this.random() < 0.2) await Promise.all([advance(), advance()]);
      else await advance();
    }
    if (this.random() < 0.3 && initialChargeId) {
      if (await this.waitForStatus(`/v1/payment-charges/${initialChargeId}`, ['CAPTURED'])) {
        await this.refund(initialChargeId, this.between(1, 1000));
      }
    }
  }

  // ---------------------------------------------------------------- requests

  /**
   * The consumer approves on the sandbox page: the form the page posts (token and decision), answered 303. An
   * approval that got no answer is tried again; one refused after such a try may have gone through the first time,
   * so the object's status says (the flow goes on when it left AUTHENTICATION_PENDING).
   */
  private async approve(kind: 'approveCharge' | 'approveAgreement', requestUrl: string | undefined, id: string) {
    if (!requestUrl) return false;
    const url = new URL(requestUrl);
    const form = new URLSearchParams({ token: url.searchParams.get('token') ?? '', decision: 'APPROVE' });
    const started = Date.now();
    let ambiguous = false;
    for (let attempt = 1; attempt <= this.attempts(); attempt++) {
      try {
        const response = await fetch(`${url.origin}${url.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.arrayBuffer();
        if (response.status === 303) {
          this.succeeded.push(this.record(kind, null, id, null, null, 303, started));
          return true;
        }
        if (response.status < 500 && response.status !== 429) {
          if (!ambiguous) {
            this.refused.push({
              kind,
              status: response.status,
              failureCode: response.headers.get('x-failure-code') ?? '',
            });
            return false;
          }
          // After an attempt without an answer: it may have gone through then.
          const path = kind === 'approveCharge' ? `/v1/payment-charges/${id}` : `/v1/payment-agreements/${id}`;
          const now = await this.read(path);
          return now !== null && now.status !== 'AUTHENTICATION_PENDING';
        }
      } catch {
        // no answer
      }
      ambiguous = true;
      await sleep(this.backoff(attempt));
    }
    this.unsettled.push({ kind, idempotencyKey: null, parentId: id, reason: 'no answer' });
    return false;
  }

  /** A merchant's POST with its own idempotency key, retried with it until a definite answer; the 2xx answer or null. */
  private async api(
    kind: OperationKind,
    method: string,
    path: string,
    parentId: string | null,
    body: unknown,
    amount: number | null = null,
    options: { retryOn404?: string } = {},
  ): Promise<Answer | null> {
    const key = randomUUID();
    const started = Date.now();
    let last = 'no answer';
    for (let attempt = 1; attempt <= this.attempts(); attempt++) {
      const answer = await this.send(method, path, body, key);
      if (answer) {
        const code: string = answer.body?.failureCode ?? '';
        if (answer.status >= 200 && answer.status < 300) {
          const id: string = answer.body?.id ?? parentId ?? '';
          const amountOf = amount ?? (typeof answer.body?.amount?.value === 'number' ? answer.body.amount.value : null);
          this.succeeded.push(this.record(kind, key, id, parentId, amountOf, answer.status, started));
          return answer;
        }
        const retry =
          answer.status >= 500 ||
          answer.status === 429 ||
          (answer.status === 409 && code === 'idempotency_key_in_use') ||
          (answer.status === 404 && options.retryOn404 === code);
        if (!retry) {
          this.refused.push({ kind, status: answer.status, failureCode: code });
          return null;
        }
        last = `${answer.status} ${code}`;
      }
      await sleep(this.backoff(attempt));
    }
    this.unsettled.push({ kind, idempotencyKey: key, parentId, reason: last });
    return null;
  }

  private async send(method: string, path: string, body: unknown, key: string | null): Promise<Answer | null> {
    const started = performance.now();
    try {
      const response = await fetch(`${this.options.gatewayUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'request-idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: response.status, body: parsed, latencyMs: performance.now() - started };
    } catch {
      return null;
    }
  }

  /** A GET's body when it answers 200 (tried a few times), else null. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read field by field
  private async read(path: string): Promise<any> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await this.send('GET', path, undefined, null);
      if (answer?.status === 200) return answer.body;
      await sleep(this.backoff(attempt));
    }
    return null;
  }

  /** Polls a GET until the object's status is one of `statuses` (up to 60 s); its body, or null. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read field by field
  private async waitForStatus(path: string, statuses: string[]): Promise<any> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(this.stopping && this.maxAttemptsOverride !== null)) {
      const answer = await this.send('GET', path, undefined, null);
      if (answer?.status === 200 && statuses.includes(answer.body?.status)) return answer.body;
      if (answer?.status === 200 && ['FAILED', 'CANCELED', 'REVOKED', 'EXPIRED'].includes(answer.body?.status)) {
        return null;
      }
      await sleep(250);
    }
    return null;
  }

  private attempts(): number {
    return this.maxAttemptsOverride ?? this.maxAttempts;
  }

  private backoff(attempt: number): number {
    return Math.min(4000, 200 * 2 ** (attempt - 1)) * (0.5 + this.random() / 2);
  }

  private record(
    kind: OperationKind,
    key: string | null,
    id: string,
    parentId: string | null,
    amount: number | null,
    status: number,
    started: number,
  ): SucceededOperation {
    return { kind, idempotencyKey: key, id, parentId, amount, status, latencyMs: Date.now() - started, at: Date.now() };
  }
}
