// The published events of every stream type: payload types, contracts (schema version, run-time check, upcasters)
// and a parser per stream type. docs/events.md is generated from EVENT_PARSERS (npm run docs:events).
import { agreementEvents } from './agreement-event-contracts';
import { billingScheduleEvents } from './billing-schedule-event-contracts';
import { chargeEvents } from './charge-event-contracts';
import { refundEvents } from './refund-event-contracts';
import { webhookEndpointEvents } from './webhook-endpoint-event-contracts';

/** The schema builders (`eventSchema.object`, `eventSchema.string`, ...) for contracts declared elsewhere. */
export * as eventSchema from './schema';
export type { PropertyDoc, Schema, Shape } from './schema';
export * from './event-contract';
export { SHARED_ENUMS, SHARED_SCHEMAS } from './common-schemas';
export * from './charge-events';
export * from './charge-event-contracts';
export * from './charge-outcome';
export * from './agreement-events';
export * from './agreement-event-contracts';
export * from './billing-schedule-events';
export * from './billing-schedule-event-contracts';
export * from './refund-events';
export * from './refund-event-contracts';
export * from './webhook-endpoint-events';
export * from './webhook-endpoint-event-contracts';

/** Every published stream type's parser, in catalogue order. */
export const EVENT_PARSERS = [
  chargeEvents,
  agreementEvents,
  billingScheduleEvents,
  refundEvents,
  webhookEndpointEvents,
] as const;
