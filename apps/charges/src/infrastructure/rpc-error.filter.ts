import { type ArgumentsHost, Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import type { RemoteError } from '@payment-ledger/contracts';
import { ConcurrencyError, DomainError } from '@payment-ledger/event-store';
import { JsonLogger } from '@payment-ledger/platform';
import { InvalidChargeStatus } from '../domain/charge-errors';

/** Turns refusals into the `RemoteError` the gateway maps to HTTP; anything else is logged and becomes a 500. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: JsonLogger) {}

  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toRemoteError(error));
  }

  private toRemoteError(error: unknown): RemoteError {
    if (error instanceof DomainError) {
      const remote: RemoteError = { status: error.status, failureCode: error.code, failureMessage: error.message };
      const field = (error as { field?: string }).field;
      if (field) remote.field = field;
      if (error instanceof InvalidChargeStatus) remote.currentStatus = error.currentStatus;
      return remote;
    }
    if (error instanceof ConcurrencyError) {
      return { status: 409, failureCode: 'concurrent_modification', failureMessage: 'The charge changed; retry' };
    }
    this.logger.event('error', 'charges.command_failed', { error });
    return { status: 500, failureCode: 'internal_error', failureMessage: 'Internal error' };
  }
}
