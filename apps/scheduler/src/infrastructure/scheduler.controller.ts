import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type AdvanceTestClockMessage, SCHEDULER_PATTERNS } from '@payment-ledger/contracts';
import { RpcErrorFilter } from '@payment-ledger/rpc';
import { ScheduleStore } from '../application/schedule-store';
import { exists } from '../domain/billing-schedule.decider';
import { ScheduleNotFound } from '../domain/schedule-errors';
import { BillingWorker } from './billing.worker';

/**
 * Sandbox test clocks: move one agreement's schedule ahead in time. The advance records the new offset and brings that
 * schedule's wake-up forward in one transaction, and answers at once; the billing worker runs what became due.
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class SchedulerController {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly worker: BillingWorker,
  ) {}

  @MessagePattern(SCHEDULER_PATTERNS.advanceTestClock)
  async advance(@Payload() message: AdvanceTestClockMessage) {
    const { state } = await this.schedules.load(message.agreementId);
    if (!exists(state) || state.merchantId !== message.merchantId) throw new ScheduleNotFound();
    const now = await this.schedules.advanceTestClock(message.agreementId, message.seconds * 1000);
    this.worker.poke();
    return { agreementId: message.agreementId, frozenTime: now.toISOString() };
  }
}
