// The ledger's rules: the chart of accounts, journal entries and the posting rules (plain TypeScript over the
// contracts). The service that keeps the ledger's tables is apps/ledger.
export * from './chart-of-accounts';
export * from './journal';
export * from './posting-rules';
