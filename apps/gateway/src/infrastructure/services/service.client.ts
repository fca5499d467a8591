import { type CoalescedServiceCall, RemoteCallError, type RpcClient } from '@payment-ledger/rpc';
import { apiErrorOf } from '../http/remote-error';

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
      throw error instanceof RemoteCallError ? apiErrorOf(error) : error;
    }
  }
}

/** The charges service (owns `charge` streams). */
export abstract class ChargesClient extends ServiceClient {}
/** The agreements service (owns `agreement` streams). */
export abstract class AgreementsClient extends ServiceClient {}

/** The scheduler (owns `billing-schedule` streams; sandbox test clocks). */
export abstract class SchedulerClient extends ServiceClient {}

/** The refunds service (owns `refund` streams: a charge's refunds and chargebacks). */
export abstract class RefundsClient extends ServiceClient {}

/** The webhooks service (merchants' webhook endpoints, deliveries and their log). */
export abstract class WebhooksClient extends ServiceClient {}

/** The ledger service (the double-entry ledger kept from the log: balances and journal entries). */
export abstract class LedgerClient extends ServiceClient {}
