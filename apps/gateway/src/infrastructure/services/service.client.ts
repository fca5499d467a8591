import type { OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { CoalescedServiceCall, callService, RemoteCallError } from '@payment-ledger/messaging';
import { ApiError } from '../http/api-error';
import { httpStatusOf } from '../http/error-status';

/**
 * Request/response calls to a backing service over TCP; its refusals become API errors, silence a 503. Calls of
 * the patterns in `coalesced` (pattern → its `.many` pattern) that are made at the same time travel together
 * (CoalescedServiceCall), each still answered on its own.
 */
export class ServiceClient implements OnApplicationShutdown {
  private readonly coalesced: Map<string, CoalescedServiceCall<object, unknown>>;

  constructor(
    private readonly proxy: ClientProxy,
    private readonly timeoutMs: number,
    coalesced: Record<string, string> = {},
  ) {
    this.coalesced = new Map(
      Object.entries(coalesced).map(([one, many]) => [one, new CoalescedServiceCall(proxy, { one, many }, timeoutMs)]),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async send<Result>(pattern: string, message: object): Promise<Result> {
    try {
      const coalesced = this.coalesced.get(pattern);
      if (coalesced) return (await coalesced.call(message)) as Result;
      return await callService<Result>(this.proxy, pattern, message, this.timeoutMs);
    } catch (error) {
      if (!(error instanceof RemoteCallError)) throw error;
      if (error.failureCode === 'service_unavailable' && error.kind === 'unavailable') {
        throw new ApiError(503, 'service_unavailable', 'The payment service is unavailable; retry shortly');
      }
      throw new ApiError(httpStatusOf(error), error.failureCode, error.failureMessage, {
        ...(error.field ? { field: error.field } : {}),
        ...(error.currentStatus ? { currentStatus: error.currentStatus } : {}),
      });
    }
  }
}

/** The charges service (owns `charge` streams). */
export abstract class ChargesClient extends ServiceClient {}
/** The agreements service (owns `agreement` streams). */
export abstract class AgreementsClient extends ServiceClient {}

/** The scheduler (owns `billing-schedule` streams; sandbox test clocks). */
export abstract class SchedulerClient extends ServiceClient {}
