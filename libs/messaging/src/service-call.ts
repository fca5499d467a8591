import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { RemoteError } from '@payment-ledger/contracts';

/** A request/response call that did not succeed: the service's own refusal, or 503 when it could not answer. */
export class RemoteCallError extends Error implements RemoteError {
  readonly status: number;
  readonly failureCode: string;
  readonly failureMessage: string;
  readonly field?: string;
  readonly currentStatus?: string;
  constructor(remote: RemoteError) {
    super(remote.failureMessage);
    this.name = 'RemoteCallError';
    this.status = remote.status;
    this.failureCode = remote.failureCode;
    this.failureMessage = remote.failureMessage;
    this.field = remote.field;
    this.currentStatus = remote.currentStatus;
  }
}

export function isRemoteError(error: unknown): error is RemoteError {
  const e = error as Partial<RemoteError> | null;
  return typeof e?.status === 'number' && typeof e.failureCode === 'string' && typeof e.failureMessage === 'string';
}

/** Sends a message over a `@nestjs/microservices` client and waits for the answer, at most `timeoutMs`. */
export async function callService<Result>(
  proxy: ClientProxy,
  pattern: string,
  message: object,
  timeoutMs: number,
): Promise<Result> {
  try {
    return await firstValueFrom(proxy.send<Result>(pattern, message).pipe(timeout(timeoutMs)));
  } catch (error) {
    if (isRemoteError(error)) throw new RemoteCallError(error);
    throw new RemoteCallError({
      status: 503,
      failureCode: 'service_unavailable',
      failureMessage: `the service did not answer ${pattern}: ${(error as Error)?.message ?? String(error)}`,
    });
  }
}
