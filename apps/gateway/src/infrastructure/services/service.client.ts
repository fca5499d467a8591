import type { OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { RemoteError } from '@payment-ledger/contracts';
import { ApiError } from '../http/api-error';

/** Request/response calls to a backing service over TCP; its refusals become API errors, silence a 503. */
export class ServiceClient implements OnApplicationShutdown {
  constructor(
    private readonly proxy: ClientProxy,
    private readonly timeoutMs: number,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async send<Result>(pattern: string, message: object): Promise<Result> {
    try {
      return await firstValueFrom(this.proxy.send<Result>(pattern, message).pipe(timeout(this.timeoutMs)));
    } catch (error) {
      if (isRemoteError(error)) {
        throw new ApiError(error.status, error.failureCode, error.failureMessage, {
          ...(error.field ? { field: error.field } : {}),
          ...(error.currentStatus ? { currentStatus: error.currentStatus } : {}),
        });
      }
      throw new ApiError(503, 'service_unavailable', 'The payment service is unavailable; retry shortly');
    }
  }
}

/** The charges service (owns `charge` streams). */
export abstract class ChargesClient extends ServiceClient {}
/** The agreements service (owns `agreement` streams). */
export abstract class AgreementsClient extends ServiceClient {}

/** The scheduler (owns `billing-schedule` streams; sandbox test clocks). */
export abstract class SchedulerClient extends ServiceClient {}

function isRemoteError(error: unknown): error is RemoteError {
  const e = error as Partial<RemoteError> | null;
  return typeof e?.status === 'number' && typeof e.failureCode === 'string' && typeof e.failureMessage === 'string';
}
