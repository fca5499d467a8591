import { NotFound } from '@payment-ledger/domain-kernel';
import type { FailureCode } from '@payment-ledger/contracts';

export class ScheduleNotFound extends NotFound<FailureCode> {
  readonly code = 'billing_schedule_not_found';
  constructor() {
    super('This agreement has no billing schedule (it needs a frequency, an amount and consent)');
  }
}
