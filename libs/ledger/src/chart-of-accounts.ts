/**
 * The chart of accounts (docs/ledger.md). An account is named `<owner>:<id>:<purpose>`, or `<owner>:<purpose>` for
 * the shared ones. Balances are debits − credits; each account has the side its balance normally sits on.
 *
 * | account                          | kind      | normal | holds                                                         |
 * | -------------------------------- | --------- | ------ | ------------------------------------------------------------- |
 * | `consumer:held`                  | asset     | debit  | consumers' funds held by open authorizations                  |
 * | `merchant:{id}:authorized`       | liability | credit | what the merchant's open authorizations would pay on capture  |
 * | `provider:{method}:clearing`     | asset     | debit  | captured funds the provider holds for us, less what it paid out |
 * | `merchant:{id}:payable`          | liability | credit | what we owe the merchant: captures less refunds and disputes  |
 * | `merchant:{id}:refunds_pending`  | liability | credit | refunds asked of the provider and not yet answered            |
 * | `merchant:{id}:disputed`         | liability | credit | amounts under open chargebacks                                |
 */
import type { PaymentMethodType } from '@payment-ledger/contracts';

export type AccountKind = 'asset' | 'liability';

export interface AccountDefinition {
  /** The account's name with `{id}` / `{method}` where its owner's id goes. */
  pattern: string;
  kind: AccountKind;
  description: string;
}

export const CHART_OF_ACCOUNTS: readonly AccountDefinition[] = [
  { pattern: 'consumer:held', kind: 'asset', description: "consumers' funds held by open authorizations" },
  {
    pattern: 'merchant:{id}:authorized',
    kind: 'liability',
    description: "what the merchant's open authorizations would pay it once captured",
  },
  {
    pattern: 'provider:{method}:clearing',
    kind: 'asset',
    description: 'captured funds the provider holds for us, less the refunds and lost chargebacks it paid out',
  },
  {
    pattern: 'merchant:{id}:payable',
    kind: 'liability',
    description: 'what we owe the merchant: its captures, less refunds asked for and amounts in dispute or lost',
  },
  {
    pattern: 'merchant:{id}:refunds_pending',
    kind: 'liability',
    description: 'refunds asked of the provider and not answered yet',
  },
  { pattern: 'merchant:{id}:disputed', kind: 'liability', description: 'amounts under open chargebacks' },
];

export const accounts = {
  consumerHeld: 'consumer:held',
  merchantAuthorized: (merchantId: string) => `merchant:${merchantId}:authorized`,
  providerClearing: (method: PaymentMethodType) => `provider:${method.toLowerCase()}:clearing`,
  merchantPayable: (merchantId: string) => `merchant:${merchantId}:payable`,
  merchantRefundsPending: (merchantId: string) => `merchant:${merchantId}:refunds_pending`,
  merchantDisputed: (merchantId: string) => `merchant:${merchantId}:disputed`,
} as const;

/** The chart's definition an account name belongs to (null: not an account of this chart). */
export function accountDefinitionOf(account: string): AccountDefinition | null {
  const parts = account.split(':');
  const pattern =
    parts[0] === 'merchant' && parts.length === 3
      ? `merchant:{id}:${parts[2]}`
      : parts[0] === 'provider' && parts.length === 3
        ? `provider:{method}:${parts[2]}`
        : account;
  return CHART_OF_ACCOUNTS.find((d) => d.pattern === pattern) ?? null;
}
