import { EVENT_STORE_MIGRATIONS } from '@payment-ledger/event-store';
import { MESSAGING_MIGRATIONS } from '@payment-ledger/messaging';
import { PAYMENT_METHODS_MIGRATIONS } from '@payment-ledger/payment-methods';
import { TIMERS_MIGRATIONS } from '@payment-ledger/timers';
import { join } from 'node:path';

/** Every folder of SQL migrations, in the order the schema is built (names are globally ordered too). */
export const ALL_MIGRATION_DIRECTORIES = [
  EVENT_STORE_MIGRATIONS,
  MESSAGING_MIGRATIONS,
  TIMERS_MIGRATIONS,
  join(__dirname, '..', 'apps', 'gateway', 'migrations'),
  join(__dirname, '..', 'apps', 'charges', 'migrations'),
  join(__dirname, '..', 'apps', 'agreements', 'migrations'),
  join(__dirname, '..', 'apps', 'scheduler', 'migrations'),
  join(__dirname, '..', 'apps', 'refunds', 'migrations'),
  join(__dirname, '..', 'apps', 'webhooks', 'migrations'),
  join(__dirname, '..', 'apps', 'ledger', 'migrations'),
  PAYMENT_METHODS_MIGRATIONS,
];
