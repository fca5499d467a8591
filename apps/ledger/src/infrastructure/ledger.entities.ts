import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ChargePostings } from '@payment-ledger/ledger';
import type { LedgerEntryResource } from '@payment-ledger/contracts';

/*
 * The ledger's tables (apps/ledger/migrations/1000_ledger.sql), read through these entities (the entries list, the
 * balances); written in bulk by LedgerProjection, which posts a whole batch of the log in a few statements.
 */

/** A journal entry: one per money-moving event. */
@Entity({ name: 'ledger_entries' })
export class LedgerEntryEntity {
  @PrimaryColumn({ name: 'entry_id', type: 'text' })
  entryId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_position', type: 'bigint' })
  eventPosition!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  currency!: string;

  /** The accounts its lines touch (what `?account=` filters on). */
  @Column({ type: 'text', array: true })
  accounts!: string[];

  @Column({ name: 'posted_at', type: 'timestamptz' })
  postedAt!: Date;

  /** The entry as the API shows it. */
  @Column({ type: 'jsonb' })
  state!: LedgerEntryResource;
}

/** One line of an entry, with the entry's merchant, currency and time: what balances sum. */
@Entity({ name: 'ledger_lines' })
export class LedgerLineEntity {
  @PrimaryColumn({ name: 'entry_id', type: 'text' })
  entryId!: string;

  @PrimaryColumn({ name: 'line_no', type: 'smallint' })
  lineNo!: number;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  account!: string;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ type: 'bigint' })
  debit!: string;

  @Column({ type: 'bigint' })
  credit!: string;

  @Column({ name: 'posted_at', type: 'timestamptz' })
  postedAt!: Date;
}

/** The posting rules' state of one charge, and how far each of its streams has been posted. */
@Entity({ name: 'ledger_charge_postings' })
export class LedgerChargePostingsEntity {
  @PrimaryColumn({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'charge_version', type: 'integer', default: 0 })
  chargeVersion!: number;

  @Column({ name: 'refund_version', type: 'integer', default: 0 })
  refundVersion!: number;

  @Column({ type: 'jsonb' })
  state!: ChargePostings;
}

export const LEDGER_ENTITIES = [LedgerEntryEntity, LedgerLineEntity, LedgerChargePostingsEntity];
