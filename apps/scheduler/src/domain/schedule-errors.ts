import { DomainError } from '@payment-ledger/event-store';

export class ScheduleNotFound extends DomainError {
  readonly code = 'billing_schedule_not_found';
  override readonly status = 404;
  constructor() {
    super('This agreement has no billing schedule (it needs a frequency, an amount and consent)');
  }
}
