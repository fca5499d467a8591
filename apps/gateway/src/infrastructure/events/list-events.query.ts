import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@payment-ledger/contracts';
import { InstantQueryParam } from '../http/instant-query';
import { PageQuery } from '../http/page-query';
import { EVENT_ID_PATTERN } from './event-id';

/** `GET /v1/events`: the merchant's events, newest first, filtered by type, object and time (as GET /v1/refunds). */
export class ListEventsQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: EVENT_ID_PATTERN, description: 'Cursor: the nextCursor of the previous page' })
  @IsOptional()
  @Matches(new RegExp(EVENT_ID_PATTERN), { message: 'startingAfter must be an event id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, description: 'Only events of this type' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES)
  type?: WebhookEventType;

  @ApiPropertyOptional({ description: "Only this object's events (a charge, agreement, refund or chargeback id)" })
  @IsOptional()
  @Matches(/^[a-z]+_[0-9a-f]{32}$/, { message: 'objectId must be an object id' })
  @MaxLength(64)
  objectId?: string;

  @InstantQueryParam('createdFrom', 'Only events recorded at or after this instant')
  createdFrom?: string;

  @InstantQueryParam('createdTo', 'Only events recorded before this instant')
  createdTo?: string;
}
