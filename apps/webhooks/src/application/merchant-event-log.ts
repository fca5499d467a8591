import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type CloudEvent,
  type EventList,
  type EventMessage,
  type ListEventsMessage,
  listConsistencyWaitMs,
  type WebhookDeliveryList,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { listPage } from '@payment-ledger/platform';
import { EventNotFound } from '../domain/webhook-errors';
import { EventDeliveryLogStore } from '../infrastructure/event-delivery-log.store';
import { MERCHANT_EVENT_LOG_PROJECTION } from '../infrastructure/merchant-event-log.projection';
import { MerchantEventEntity } from '../infrastructure/merchant-event.entity';

/**
 * The merchant's event log (`GET /v1/events`, `GET /v1/events/{id}`, `…/deliveries`): the merchant events of any
 * age, from the `merchant_events` read model, as the CloudEvents the deliveries send, newest first (cursor
 * pagination), filtered by type, object and time. Read-your-writes as the other lists: the view is first brought up
 * to every event committed before the request (bounded wait). Another merchant's event is the same as none (404).
 */
@Injectable()
export class MerchantEventLog {
  constructor(
    @InjectRepository(MerchantEventEntity) private readonly events: Repository<MerchantEventEntity>,
    private readonly deliveries: EventDeliveryLogStore,
    private readonly projections: ProjectionRunners,
  ) {}

  async list(message: ListEventsMessage): Promise<EventList> {
    await this.projections.catchUpWithCommitted(MERCHANT_EVENT_LOG_PROJECTION, listConsistencyWaitMs(message));
    const { states, hasMore } = await listPage(this.events, {
      idProperty: 'eventId',
      tenant: { property: 'merchantId', id: message.merchantId },
      where: { type: message.type, objectId: message.objectId },
      range: {
        property: 'time',
        from: message.createdFrom ? new Date(message.createdFrom) : undefined,
        to: message.createdTo ? new Date(message.createdTo) : undefined,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    return { data: states, hasMore, nextCursor: hasMore ? states[states.length - 1].id : null };
  }

  async get(message: EventMessage): Promise<CloudEvent> {
    return (await this.owned(message)).state;
  }

  async listDeliveries(message: EventMessage): Promise<WebhookDeliveryList> {
    await this.owned(message);
    return { data: await this.deliveries.deliveriesOfEvent(message.merchantId, message.eventId) };
  }

  /**
   * The merchant's event: the row, or, when the view has not got to it yet (an event id read from a webhook just
   * received), the row after a bounded catch-up.
   */
  async owned(message: EventMessage): Promise<MerchantEventEntity> {
    const where = { eventId: message.eventId, merchantId: message.merchantId };
    let event = await this.events.findOneBy(where);
    if (!event && (await this.projections.catchUpWithCommitted(MERCHANT_EVENT_LOG_PROJECTION, 1_000))) {
      event = await this.events.findOneBy(where);
    }
    if (!event) throw new EventNotFound();
    return event;
  }
}
