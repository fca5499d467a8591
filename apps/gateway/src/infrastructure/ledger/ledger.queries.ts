import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_PATTERNS } from '@payment-ledger/contracts';
import { InstantQueryParam } from '../http/instant-query';
import { PageQuery } from '../http/page-query';

/** An account name as the chart writes them: two or three `:`-separated parts of letters, digits and `_`. */
const ACCOUNT = /^[a-z_]{1,40}(:[A-Za-z0-9_]{1,64}){1,2}$/;

/** `GET /v1/ledger-entries`: the merchant's journal entries, newest first, by charge, account and time. */
export class ListLedgerEntriesQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.ledgerEntry,
    description: 'Cursor: the nextCursor of the previous page (an entry id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.ledgerEntry), { message: 'startingAfter must be a ledger entry id' })
  startingAfter?: string;

  @ApiPropertyOptional({ pattern: ID_PATTERNS.charge, description: "Only this payment charge's entries" })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.charge), { message: 'paymentChargeId must be a payment charge id' })
  paymentChargeId?: string;

  @ApiPropertyOptional({ pattern: ACCOUNT.source, description: 'Only entries with a line on this account' })
  @IsOptional()
  @Matches(ACCOUNT, { message: 'account must be an account name such as merchant:<merchant id>:payable' })
  account?: string;

  @InstantQueryParam('postedFrom', 'Only entries posted at or after this instant')
  postedFrom?: string;

  @InstantQueryParam('postedTo', 'Only entries posted before this instant')
  postedTo?: string;
}

/** `GET /v1/balances`: the merchant's balances, now or at an instant. */
export class GetBalancesQuery {
  @InstantQueryParam('asOf', 'Balances from the entries posted at or before this instant (default: now)')
  asOf?: string;
}
