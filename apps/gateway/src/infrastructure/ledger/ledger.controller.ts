import { Controller, Get, Query, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  type GetBalancesMessage,
  LEDGER_PATTERNS,
  type LedgerBalances,
  type LedgerEntryList,
  type ListLedgerEntriesMessage,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ListWaitMs } from '../http/list-wait-ms';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { LedgerClient } from '../services/service.client';
import { GetBalancesQuery, ListLedgerEntriesQuery } from './ledger.queries';
import { balancesSchema, ledgerEntryListSchema } from './ledger.schemas';

const correlationId = (): string => String(currentLogContext().correlationId ?? '');
/** One spelling of an instant for the service: `2025-03-26T21:24:27+01:00` is `2025-03-26T20:24:27.000Z`. */
const instant = (value: string | undefined) => value && new Date(value).toISOString();

/** `/v1/balances` and `/v1/ledger-entries`: the merchant's double-entry ledger, from the ledger service. */
@ApiTags('ledger')
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class LedgerController {
  constructor(private readonly ledger: LedgerClient) {}

  @Get('balances')
  @ApiOperationDoc({
    operationId: 'getBalances',
    summary: 'Get balances',
    description:
      'The balance of each of your ledger accounts per currency (debits − credits), from every entry posted so ' +
      'far or, with asOf, at or before that instant. Shared accounts (consumer:held, the provider clearing account) ' +
      'show your share: the lines of your own entries. The balances of one currency add up to zero. Shows your own ' +
      'writes.',
    success: { status: 200, schema: balancesSchema, description: 'Your balances' },
  })
  balances(
    @Query() query: GetBalancesQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<LedgerBalances> {
    const message: GetBalancesMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      asOf: instant(query.asOf),
    };
    return this.ledger.send(LEDGER_PATTERNS.balances, message);
  }

  @Get('ledger-entries')
  @ApiOperationDoc({
    operationId: 'listLedgerEntries',
    summary: 'List ledger entries',
    description:
      'Your journal entries, newest first: one per event that moved money (authorization hold, capture, void ' +
      'release, refund requested / succeeded / failed, chargeback opened / won / lost), each balanced. Filtered by ' +
      'payment charge, account and time posted (postedFrom inclusive, postedTo exclusive). Shows your own writes.',
    success: { status: 200, schema: ledgerEntryListSchema, description: 'A page of entries' },
  })
  entries(
    @Query() query: ListLedgerEntriesQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<LedgerEntryList> {
    const message: ListLedgerEntriesMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit,
      startingAfter: query.startingAfter,
      chargeId: query.paymentChargeId,
      account: query.account,
      postedFrom: instant(query.postedFrom),
      postedTo: instant(query.postedTo),
    };
    return this.ledger.send(LEDGER_PATTERNS.entries, message);
  }
}
