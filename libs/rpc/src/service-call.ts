import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { ManyCallsAnswer, ManyCallsMessage, RemoteError, RemoteErrorKind } from '@payment-ledger/contracts';
import {
  CoalescerQueueFull,
  CoalescerQueueTimeout,
  type CoalescerOptions,
  RequestCoalescer,
  settle,
} from '@payment-ledger/event-store';
import { SERVICE_DRAINING } from './rpc-socket';
import { traced } from './trace';

/**
 * A request/response call that did not succeed: the service's own refusal, `unavailable` when it did not answer,
 * or `unavailable` / `service_overloaded` when too many calls already wait to be sent (retry after `retryAfterSeconds`).
 */
export class RemoteCallError extends Error implements RemoteError {
  readonly kind: RemoteErrorKind;
  readonly failureCode: string;
  readonly failureMessage: string;
  readonly field?: string;
  readonly currentStatus?: string;
  readonly refundableAmount?: number;
  constructor(
    remote: RemoteError,
    readonly retryAfterSeconds?: number,
  ) {
    super(remote.failureMessage);
    this.name = 'RemoteCallError';
    this.kind = remote.kind;
    this.failureCode = remote.failureCode;
    this.failureMessage = remote.failureMessage;
    this.field = remote.field;
    this.currentStatus = remote.currentStatus;
    this.refundableAmount = remote.refundableAmount;
  }
}

export function isRemoteError(error: unknown): error is RemoteError {
  const e = error as Partial<RemoteError> | null;
  return typeof e?.kind === 'string' && typeof e.failureCode === 'string' && typeof e.failureMessage === 'string';
}

/** The pause before sending again a command that a draining server refused unexecuted (doubling, capped). */
const DRAINING_RETRY_MS = { first: 20, max: 200 };

/**
 * Sends a message over a `@nestjs/microservices` client and waits for the answer, at most `timeoutMs` in all. A
 * command refused by a server that is shutting down (`service_draining`: it was not run) is sent again within that
 * time; the server ends the connection once its own commands are answered, so the next attempt reconnects, to another
 * replica when there is one. Past the time it fails as `service_unavailable`.
 */
export async function callService<Result>(
  proxy: ClientProxy,
  pattern: string,
  message: object,
  timeoutMs: number,
): Promise<Result> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = DRAINING_RETRY_MS.first; ; pause = Math.min(pause * 2, DRAINING_RETRY_MS.max)) {
    try {
      const left = Math.max(1, deadline - Date.now());
      return await firstValueFrom(proxy.send<Result>(pattern, message).pipe(timeout(left)));
    } catch (error) {
      const draining = isRemoteError(error) && error.failureCode === SERVICE_DRAINING.failureCode;
      if (draining && Date.now() + pause < deadline) {
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      if (isRemoteError(error) && !draining) throw new RemoteCallError(error);
      throw new RemoteCallError({
        kind: 'unavailable',
        failureCode: 'service_unavailable',
        failureMessage: `the service did not answer ${pattern}: ${(error as Error)?.message ?? String(error)}`,
      });
    }
  }
}

/** What an overloaded caller is told to wait before it retries. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * Calls of one pattern that a client makes at the same time travel together: while `maxInFlight` messages are out,
 * the calls that arrive meanwhile go as one `<pattern>.many` message (see RequestCoalescer) that the service answers
 * with each call's own outcome (`answerEach`). A lone call is sent as the plain pattern. Each caller gets what a
 * plain call would have given it: its result, its own refusal, or 503 when the service did not answer. The queue
 * of calls waiting for a slot is bounded (`maxWaiting`) and each waits at most `maxWaitMs`: beyond either the call
 * fails at once as `service_overloaded` instead of adding to a backlog no one will wait for.
 */
export class CoalescedServiceCall<Message extends object, Result> {
  private readonly coalescer: RequestCoalescer<Message, Result>;

  constructor(
    proxy: ClientProxy,
    private readonly patterns: { one: string; many: string },
    timeoutMs: number,
    options: CoalescerOptions = { maxInFlight: 2, maxBatch: 64 },
  ) {
    this.coalescer = new RequestCoalescer(options, async (messages) => {
      if (messages.length === 1)
        return [await settle(callService<Result>(proxy, patterns.one, messages[0], timeoutMs))];
      const many: ManyCallsMessage<Message> = { messages };
      try {
        const answers = await callService<ManyCallsAnswer<Result>>(proxy, patterns.many, many, timeoutMs);
        return answers.map((a) => (a.ok ? a : { ok: false, error: new RemoteCallError(a.error) }));
      } catch (error) {
        return messages.map(() => ({ ok: false, error }));
      }
    });
  }

  call(message: Message): Promise<Result> {
    return this.coalescer.submit(traced(message)).catch((error: unknown) => {
      if (error instanceof CoalescerQueueFull || error instanceof CoalescerQueueTimeout) {
        throw new RemoteCallError(
          {
            kind: 'unavailable',
            failureCode: 'service_overloaded',
            failureMessage: `too many calls waiting for ${this.patterns.one}: ${error.message}`,
          },
          OVERLOADED_RETRY_AFTER_SECONDS,
        );
      }
      throw error;
    });
  }
}
