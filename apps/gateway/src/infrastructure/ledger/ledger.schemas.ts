import type { LedgerBalances, LedgerEntryList, LedgerEntryResource } from '@payment-ledger/contracts';
import { integer, type Infer } from '../http/body-schema';
import { dateTime, describes, idOf, list, nullable, page, resource, text } from '../http/response-schema';

/*
 * The ledger as the API answers with it (`/v1/balances`, `/v1/ledger-entries`), checked against the ledger service's
 * types by the compiler (`describes`). The chart of accounts: docs/ledger.md.
 */

const minorUnits = (description: string) => integer({ minimum: 0, description, example: 1250 });
const account = text({
  description: '`<owner>:<id>:<purpose>` or `<owner>:<purpose>` (docs/ledger.md)',
  example: 'merchant:mch_0193a1b2c3d4e5f60718293a4b5c6d7e:payable',
});

const lineSchema = resource('LedgerLine', {
  account,
  debit: minorUnits('Minor units debited (0 on a credit line)'),
  credit: minorUnits('Minor units credited (0 on a debit line)'),
});

export const ledgerEntrySchema = resource('LedgerEntry', {
  id: idOf('ledgerEntry'),
  eventId: idOf('event', 'The event that posted it'),
  eventType: text({ example: 'ChargeCaptured' }),
  kind: text({
    description:
      'authorization_hold, capture, void_release, refund_requested, refund_succeeded, refund_failed, ' +
      'chargeback_opened, chargeback_won or chargeback_lost',
    example: 'capture',
  }),
  paymentChargeId: idOf('charge'),
  currency: text({ example: 'USD' }),
  lines: list(lineSchema, { description: 'Balanced: the debits add up to the credits' }),
  reversesEntryId: nullable(idOf('ledgerEntry', 'The entry this one reverses, if any')),
  postedAt: dateTime('When its event was recorded'),
});
describes<Infer<typeof ledgerEntrySchema>, LedgerEntryResource>(true);

export const ledgerEntryListSchema = page('LedgerEntryList', ledgerEntrySchema, 'entries');
describes<Infer<typeof ledgerEntryListSchema>, LedgerEntryList>(true);

export const balancesSchema = resource('LedgerBalances', {
  asOf: nullable(dateTime('The instant asked for; null: now')),
  balances: list(
    resource('LedgerBalance', {
      account,
      currency: text({ example: 'USD' }),
      debits: minorUnits('Sum of the debits'),
      credits: minorUnits('Sum of the credits'),
      balance: integer({ description: 'debits − credits (negative: a credit balance)', example: -1250 }),
    }),
    { description: 'One per account and currency your entries touched, by account' },
  ),
});
describes<Infer<typeof balancesSchema>, LedgerBalances>(true);
