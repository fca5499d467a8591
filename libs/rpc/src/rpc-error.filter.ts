import { type ArgumentsHost, Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import type { ManyCallsAnswer, RemoteError } from '@payment-ledger/contracts';
import { DomainError } from '@payment-ledger/domain-kernel';
import { ConcurrencyError } from '@payment-ledger/event-store';
import { JsonLogger } from '@payment-ledger/platform';
import { isRemoteError } from './service-call';

/**
 * For services answering over a request/response transport: a refusal (DomainError) travels as a `RemoteError`
 * with its kind, stable code, field and the current status where it has one; anything else is logged and
 * becomes a bare 500, so no internals leak.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: JsonLogger) {}

  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => toRemoteError(error, this.logger));
  }
}

/** What a request/response service answers for an error (see RpcErrorFilter). */
export function toRemoteError(error: unknown, logger: JsonLogger): RemoteError {
  if (error instanceof DomainError) {
    const remote: RemoteError = { kind: error.kind, failureCode: error.code, failureMessage: error.message };
    const { currentStatus, refundableAmount } = error as { currentStatus?: string; refundableAmount?: number };
    if (error.field) remote.field = error.field;
    if (currentStatus) remote.currentStatus = currentStatus;
    if (typeof refundableAmount === 'number') remote.refundableAmount = refundableAmount;
    return remote;
  }
  if (error instanceof ConcurrencyError) {
    return { kind: 'conflict', failureCode: 'concurrent_modification', failureMessage: 'The object changed; retry' };
  }
  // A refusal from a service this one called, passed on as it came.
  if (isRemoteError(error)) {
    const { kind, failureCode, failureMessage, field, currentStatus, refundableAmount } = error;
    return {
      kind,
      failureCode,
      failureMessage,
      ...(field ? { field } : {}),
      ...(currentStatus ? { currentStatus } : {}),
      ...(typeof refundableAmount === 'number' ? { refundableAmount } : {}),
    };
  }
  logger.event('error', 'rpc.command_failed', { error });
  return { kind: 'internal', failureCode: 'internal_error', failureMessage: 'Internal error' };
}

/**
 * Answers a `<pattern>.many` message (see CoalescedServiceCall): each call handled as the single pattern would
 * handle it, all at once, each answered with its own result or error.
 */
export function answerEach<Message, Result>(
  messages: Message[],
  handle: (message: Message) => Promise<Result>,
  logger: JsonLogger,
): Promise<ManyCallsAnswer<Result>> {
  return Promise.all(
    messages.map((message) =>
      handle(message).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error: toRemoteError(error, logger) }),
      ),
    ),
  );
}
