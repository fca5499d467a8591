import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ArrayContains, type Repository } from 'typeorm';
import {
  type GetBalancesMessage,
  type LedgerBalances,
  type LedgerEntryList,
  type ListLedgerEntriesMessage,
  listConsistencyWaitMs,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { listPage } from '@payment-ledger/platform';
import { LedgerEntryEntity, LedgerLineEntity } from '../infrastructure/ledger.entities';
import { ledgerBalances } from '../infrastructure/ledger-reports';
import { LEDGER_PROJECTION } from '../infrastructure/ledger.projection';

/**
 * The merchant's view of the ledger: its balances (at an instant or now) and its journal entries. Read-your-writes as
 * the lists: the ledger is first brought up to every charge and refund event committed before the request (bounded
 * wait). A merchant sees only the lines of its own entries, shared accounts (`consumer:held`, the provider's
 * clearing account) included: its share of them, so its own trial balance adds up to zero per currency.
 */
@Injectable()
export class LedgerQueries {
  constructor(
    @InjectRepository(LedgerEntryEntity) private readonly entries: Repository<LedgerEntryEntity>,
    @InjectRepository(LedgerLineEntity) private readonly lines: Repository<LedgerLineEntity>,
    private readonly projections: ProjectionRunners,
  ) {}

  async balances(message: GetBalancesMessage): Promise<LedgerBalances> {
    await this.projections.catchUpWithCommitted(LEDGER_PROJECTION, listConsistencyWaitMs(message));
    const balances = await ledgerBalances(this.lines.manager, {
      merchantId: message.merchantId,
      asOf: message.asOf ? new Date(message.asOf) : undefined,
    });
    return { asOf: message.asOf ?? null, balances };
  }

  async list(message: ListLedgerEntriesMessage): Promise<LedgerEntryList> {
    await this.projections.catchUpWithCommitted(LEDGER_PROJECTION, listConsistencyWaitMs(message));
    const { states, hasMore } = await listPage(this.entries, {
      idProperty: 'entryId',
      tenant: { property: 'merchantId', id: message.merchantId },
      where: { chargeId: message.chargeId, accounts: message.account ? ArrayContains([message.account]) : undefined },
      range: {
        property: 'postedAt',
        from: message.postedFrom ? new Date(message.postedFrom) : undefined,
        to: message.postedTo ? new Date(message.postedTo) : undefined,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    return { data: states, hasMore, nextCursor: hasMore ? states[states.length - 1].id : null };
  }
}
