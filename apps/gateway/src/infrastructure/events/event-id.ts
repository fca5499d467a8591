import { ApiError } from '../http/api-error';

/**
 * A merchant event's id: the domain event's (`evt_` and 32 hex digits), with `_<n>` for the n-th further merchant
 * event of one domain event (libs/contracts/src/webhooks/merchant-events.ts).
 */
export const EVENT_ID_PATTERN = '^evt_[0-9a-f]{32}(_[1-9][0-9]{0,3})?$';
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);

/** An event id from a path: anything else names no event of the merchant (404, without asking the service). */
export function eventIdOf(id: string): string {
  if (!EVENT_ID.test(id)) throw new ApiError(404, 'event_not_found', 'Event not found');
  return id;
}
