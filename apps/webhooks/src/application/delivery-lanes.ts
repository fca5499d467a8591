import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  currentTrace,
  JsonLogger,
  parseAllowedHosts,
  webhookAttemptDuration,
  webhookAttempts,
  webhookDeliveryDelay,
  withLogContext,
} from '@payment-ledger/platform';
import { classifyResponse } from '../domain/delivery-outcome';
import { nextAttemptDelayMs, parseRetrySchedule } from '../domain/retry-schedule';
import { webhookHeaders } from '../domain/standard-webhooks';
import { SecretBox } from '../infrastructure/secret-box';
import {
  type DeliverySettlement,
  type DeliveryTrace,
  type EndpointEffect,
  type LaneHead,
  WebhookDeliveryStore,
} from '../infrastructure/webhook-delivery.store';
import { sendWebhook, type SendResult } from '../infrastructure/webhook-sender';
import { WEBHOOKS_CONFIG, type WebhooksConfig } from '../webhooks.config';
import { MerchantSigningSecrets } from './merchant-signing-secrets';
import { TargetLimiter } from './target-limiter';

/** The timer queue of deliveries: one timer per lane, keyed by the lane. */
export const WEBHOOK_DELIVERY_QUEUE = 'webhooks';
export const WEBHOOK_LANE_TIMER = 'deliver';
/** What an attempt came to, and when its lane is next to be looked at (undefined: it is empty). */
export interface AttemptOutcome {
  succeeded: boolean;
  responseStatus: number | null;
  error: string | null;
  next: { rescheduleAt: Date } | undefined;
}

/** How soon a lane whose target is busy (its attempts in flight and its line at the limit) is looked at again. */
const BUSY_TARGET_RETRY_MS = 200;
/** How long a lane waits in its target's line for a slot before it lets its worker lane go. */
const BUSY_TARGET_WAIT_MS = 1_000;

/** The lane of a delivery: one target and one object. Its deliveries are sent in order, one at a time. */
export function laneOf(target: { endpointId: string } | { url: string }, objectId: string): string {
  return `${'endpointId' in target ? target.endpointId : `url:${target.url}`}|${objectId}`;
}

/** The trace of the work at hand (a request's, through the RPC kit), for a delivery it makes: a test event, a redelivery. */
export function traceOfCurrentWork(): DeliveryTrace {
  const { correlationId, causationId } = currentTrace();
  return { correlationId: correlationId ?? null, causationId: causationId ?? null };
}

/** The target a lane sends to (an endpoint id, or `url:<webhooksUrl>`): object ids hold no `|`. */
export function targetOfLane(lane: string): string {
  return lane.slice(0, lane.lastIndexOf('|'));
}

/**
 * Delivers a lane's deliveries in order, on the kit's durable timers (queue `webhooks`, one timer per lane): a run
 * sends the lane's oldest pending delivery if it is due, records the attempt, and sets the lane's timer to the next
 * thing to do — the next delivery at once after a success or a give-up, the same one at its retry time after a
 * failure — or lets it end when the lane is empty. A later event of an object is therefore never delivered to a
 * target before an earlier one has succeeded or been given up, a restart loses nothing (the timer and the deliveries
 * are rows), and two replicas never send a lane's attempt at once (a running timer is leased to one of them).
 *
 * Retries follow WEBHOOK_RETRY_SCHEDULE with jitter (Standard Webhooks' schedule by default), or the receiver's
 * `Retry-After` on 429 and 503; 410 Gone disables the endpoint, and so do WEBHOOK_DISABLE_AFTER_MS of nothing but
 * failures; a disabled (or deleted) endpoint's pending deliveries are held (ENDPOINT_DISABLED) for a redelivery.
 */
@Injectable()
export class DeliveryLanes {
  private readonly schedule: number[];
  private readonly limiter: TargetLimiter;
  private readonly allowedHosts: string[];
  /** Heads read for lanes just claimed (prefetch), each used once by the lane's run; null: the lane is empty. */
  private readonly prefetched = new Map<string, LaneHead | null>();

  constructor(
    private readonly store: WebhookDeliveryStore,
    private readonly secrets: SecretBox,
    private readonly merchantSecrets: MerchantSigningSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOKS_CONFIG) private readonly config: WebhooksConfig,
    private readonly logger: JsonLogger,
  ) {
    this.schedule = parseRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE);
    this.limiter = new TargetLimiter(config.WEBHOOK_ENDPOINT_CONCURRENCY);
    this.allowedHosts = parseAllowedHosts(config.WEBHOOK_ALLOWED_HOSTS);
  }

  /**
   * The heads of lanes a timer claim just took, read in one statement before their runs (the timer engine's
   * afterClaim): a run then needs no read of its own. Fresh enough: each lane is leased to this process, so no one
   * else sends its head meanwhile; a run that does not start at once (its target busy) drops its prefetched head.
   */
  async prefetch(lanes: string[]): Promise<void> {
    const heads = await this.store.laneHeads(lanes);
    for (const lane of lanes) this.prefetched.set(lane, heads.get(lane) ?? null);
  }

  private takePrefetched(lane: string): LaneHead | null {
    const head = this.prefetched.get(lane) ?? null;
    this.prefetched.delete(lane);
    return head;
  }

  /** Runs the lane's next delivery; returns when to look at the lane again (undefined: it is empty). */
  async run(lane: string): Promise<{ rescheduleAt: Date } | undefined> {
    // The target's slot first: a lane of a busy target costs no query, and waits a little in line for a slot.
    const target = targetOfLane(lane);
    if (!(await this.limiter.acquire(target, BUSY_TARGET_WAIT_MS))) {
      this.prefetched.delete(lane);
      return { rescheduleAt: new Date(this.clock.now().getTime() + BUSY_TARGET_RETRY_MS) };
    }
    try {
      const head = this.prefetched.has(lane) ? this.takePrefetched(lane) : await this.store.laneHead(lane);
      if (!head) return undefined;
      const now = this.clock.now();
      if (head.endpoint && head.endpoint.status !== 'ENABLED') {
        await this.store.holdPendingOfEndpoint(head.endpointId!, now);
        return undefined;
      }
      if (head.nextAttemptAt && head.nextAttemptAt.getTime() > now.getTime()) {
        return { rescheduleAt: head.nextAttemptAt };
      }
      return (await this.attemptNow(lane, head)).next;
    } finally {
      this.limiter.release(target);
    }
  }

  /** Sends one attempt of a delivery and records it (SendResult → attempt log, delivery, endpoint). */
  async send(
    head: LaneHead,
    secrets: string[],
  ): Promise<{ result: SendResult; headers: Record<string, string>; attemptedAt: Date }> {
    const attemptedAt = this.clock.now();
    const body = JSON.stringify(head.payload);
    const headers = webhookHeaders(secrets, head.eventId, Math.floor(attemptedAt.getTime() / 1000), body);
    const result = await sendWebhook(head.url, headers, body, {
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      maxBodyBytes: this.config.WEBHOOK_RESPONSE_BODY_MAX_BYTES,
      policy: { allowedHosts: this.allowedHosts },
    });
    return { result, headers, attemptedAt };
  }

  /**
   * Sends one attempt of the delivery and records it (the attempt in the log; the delivery settled or set to try
   * again; the endpoint's failing streak), and says when the lane is next to be looked at (`next`).
   */
  attemptNow(lane: string, head: LaneHead): Promise<AttemptOutcome> {
    // Sent, recorded and logged under the delivery's trace (the domain event's correlation, the event as the cause).
    const trace = {
      ...(head.trace.correlationId ? { correlationId: head.trace.correlationId } : {}),
      ...(head.trace.causationId ? { causationId: head.trace.causationId } : {}),
    };
    return withLogContext(trace, () => this.attemptInTrace(lane, head));
  }

  private async attemptInTrace(lane: string, head: LaneHead): Promise<AttemptOutcome> {
    // An endpoint's deliveries are signed with its secret; those to an object's own webhooksUrl with the merchant's.
    const secrets = head.endpoint
      ? this.secrets.signingSecrets(head.endpoint, this.clock.now())
      : await this.merchantSecrets.signingSecretsOf(head.merchantId);
    if (secrets.length === 0) {
      // No default signing secret: nothing the merchant could verify is sent. Held (the lane's deliveries, in order)
      // until the merchant creates one, which releases them (POST /v1/webhook-signing-secret/rotations).
      await this.store.holdLaneForSecret(lane, this.clock.now());
      this.logger.event('warn', 'webhook.signing_secret_missing', {
        deliveryId: head.deliveryId,
        eventId: head.eventId,
        merchantId: head.merchantId,
      });
      return { succeeded: false, responseStatus: null, error: 'signing_secret_missing', next: undefined };
    }
    const { result, headers, attemptedAt } = await this.send(head, secrets);
    const outcome = classifyResponse(
      { status: result.status, headers: result.headers, error: result.error },
      this.clock.now(),
    );
    const attemptsMade = head.attempts + 1;
    webhookAttempts.inc({ outcome: attemptOutcomeLabel(outcome.kind, result) });
    webhookAttemptDuration.observe(result.latencyMs / 1000);
    if (outcome.kind === 'succeeded' && typeof head.payload.time === 'string') {
      webhookDeliveryDelay.observe(Math.max(0, this.clock.now().getTime() - Date.parse(head.payload.time)) / 1000);
    }
    let settlement: DeliverySettlement;
    let effect: EndpointEffect;
    if (outcome.kind === 'succeeded') {
      settlement = { status: 'SUCCEEDED' };
      effect = 'succeeded';
    } else if (outcome.kind === 'endpoint_gone' && head.endpointId) {
      settlement = { status: 'FAILED' };
      effect = { disable: 'ENDPOINT_GONE' };
    } else {
      const retryAfter = outcome.kind === 'retry' ? outcome.retryAfterMs : null;
      const delay = retryAfter ?? nextAttemptDelayMs(this.schedule, attemptsMade, Math.random);
      // Counted from the answer (or the timeout), not from the request: a Retry-After is the receiver's own clock.
      const answeredAt = this.clock.now();
      settlement =
        delay === null
          ? { status: 'FAILED' }
          : { status: 'PENDING', nextAttemptAt: new Date(answeredAt.getTime() + delay) };
      const failingSince = head.endpoint?.failingSince ?? attemptedAt;
      effect =
        head.endpoint && attemptedAt.getTime() - failingSince.getTime() >= this.config.WEBHOOK_DISABLE_AFTER_MS
          ? { disable: 'FAILING' }
          : 'failed';
      if (typeof effect !== 'string') settlement = { status: 'FAILED' };
    }
    const { morePending } = await this.store.recordAttempt(
      lane,
      {
        deliveryId: head.deliveryId,
        merchantId: head.merchantId,
        attemptNumber: attemptsMade,
        url: head.url,
        requestHeaders: headers,
        responseStatus: result.status ?? null,
        responseBody: result.body ?? null,
        latencyMs: result.latencyMs,
        error: result.error ? `${result.error}: ${result.errorMessage ?? ''}`.trim() : null,
        attemptedAt,
        trace: head.trace,
      },
      settlement,
      head.endpointId ? { endpointId: head.endpointId, effect } : null,
    );
    // One line per attempt: debug when it succeeded, info when not (a receiver's trouble is the merchant's to see).
    this.logger.event(outcome.kind === 'succeeded' ? 'debug' : 'info', 'webhook.attempt', {
      deliveryId: head.deliveryId,
      eventId: head.eventId,
      endpointId: head.endpointId,
      merchantId: head.merchantId,
      attemptNumber: attemptsMade,
      responseStatus: result.status ?? null,
      latencyMs: result.latencyMs,
      outcome: attemptOutcomeLabel(outcome.kind, result),
      settlement: settlement.status,
    });
    const next =
      settlement.status === 'PENDING'
        ? { rescheduleAt: settlement.nextAttemptAt }
        : morePending
          ? { rescheduleAt: this.clock.now() }
          : undefined;
    return {
      succeeded: outcome.kind === 'succeeded',
      responseStatus: result.status ?? null,
      error: result.error ? `${result.error}: ${result.errorMessage ?? ''}`.trim() : null,
      next,
    };
  }
}

/** The attempts counter's outcome label: what the answer meant, or why there was none. */
function attemptOutcomeLabel(kind: string, result: SendResult): string {
  if (kind === 'succeeded') return 'succeeded';
  if (kind === 'endpoint_gone') return 'endpoint_gone';
  return result.error ?? 'failed';
}
