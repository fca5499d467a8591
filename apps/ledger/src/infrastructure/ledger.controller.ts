import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type GetBalancesMessage, LEDGER_PATTERNS, type ListLedgerEntriesMessage } from '@payment-ledger/contracts';
import { RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { LedgerQueries } from '../application/ledger-queries';

/**
 * The ledger service's request/response endpoints (TCP, through the RPC kit: signed commands, and the TenantGuard has
 * refused any message without its merchant before a handler runs).
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class LedgerController {
  constructor(private readonly queries: LedgerQueries) {}

  @MessagePattern(LEDGER_PATTERNS.balances)
  balances(@Payload() message: GetBalancesMessage) {
    return tracedCommand(message, () => this.queries.balances(message));
  }

  @MessagePattern(LEDGER_PATTERNS.entries)
  entries(@Payload() message: ListLedgerEntriesMessage) {
    return tracedCommand(message, () => this.queries.list(message));
  }
}
