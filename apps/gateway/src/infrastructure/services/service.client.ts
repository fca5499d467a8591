import { type CoalescedServiceCall, RemoteCallError, type RpcClient } from '@payment-ledger/rpc';
import { ApiError } from '../http/api-error';
import { httpStatusOf } from '../http/error-status';

/**
 * Calls to a backing service through the RPC kit; its refusals become API errors, silence a 503, and a call that
 * cannot be queued (too many waiting, or waited too long) a 503 with `Retry-After`. Calls of the patterns in
 * `coalesced` (pattern → its `.many` pattern) that are made at the same time travel together
 * (CoalescedServiceCall), each still answered on its own.
 */
export class ServiceClient {
  private readonly coalesced: Map<string, CoalescedServiceCall<object, unknown>>;

  constructor(
    private readonly client: RpcClient,
    coalesced: Record<string, string> = {},
  ) {
    this.coalesced = new Map(Object.entries(coalesced).map(([one, many]) => [one, client.coalesced(one, many)]));
  }

  async send<Result>(pattern: string, message: object): Promise<Result> {
    try {
      const coalesced = this.coalesced.get(pattern);
      if (coalesced) return (await coalesced.call(message)) as Result;
      return await this.client.send<Result>(pattern, message);
    } catch (error) {
      if (!(error instanceof RemoteCallError)) throw error;
      if (error.kind === 'unavailable' && error.failureCode === 'service_overloaded') {
        throw new ApiError(
          503,
          'service_overloaded',
          'The payment service is busy; retry shortly',
          {},
          error.retryAfterSeconds ?? 1,
        );
      }
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
