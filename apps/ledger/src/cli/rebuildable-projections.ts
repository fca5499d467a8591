import type { PostgresEventStore } from '@payment-ledger/event-store';
import type { Projection } from '@payment-ledger/messaging';
import { AgreementListProjection } from '../../../agreements/src/infrastructure/agreement-list.projection';
import { ChargeListProjection } from '../../../charges/src/infrastructure/charge-list.projection';
import { RefundListProjection } from '../../../refunds/src/infrastructure/refund-list.projection';
import { MerchantEventLogProjection } from '../../../webhooks/src/infrastructure/merchant-event-log.projection';
import { LedgerProjection } from '../infrastructure/ledger.projection';

/**
 * Every projection `rebuild` can rebuild, by its checkpoint's name (its `name`), made as its service makes it: the
 * one list of them. A service's new projection gets a line here (docs/adding-a-service.md). The CLI imports the
 * services' projection classes, as a tool run beside them, so that a rebuild applies exactly the services' code.
 */
export const REBUILDABLE_PROJECTIONS: Record<string, (store: PostgresEventStore) => Projection> = {
  'charges.list-view': (store) => new ChargeListProjection(store),
  'agreements.list-view': (store) => new AgreementListProjection(store),
  'refunds.list-view': () => new RefundListProjection(),
  'webhooks.merchant-events': (store) => new MerchantEventLogProjection(store),
  'ledger.journal': () => new LedgerProjection(),
};
