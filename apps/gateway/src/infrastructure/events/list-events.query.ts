import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';
import { EVENT_ID_PATTERN } from './event-id';

const ISO_8601 = 'ISO 8601 date-time with a time zone, such as 2025-03-26T20:24:27Z';
/** A date and a time with its zone (an instant): a bare date or local time would depend on where it is read. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

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

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events recorded at or after this instant' })
  @IsOptional()
  @Matches(INSTANT, { message: `createdFrom must be an ${ISO_8601}` })
  @IsISO8601({ strict: true }, { message: `createdFrom must be an ${ISO_8601}` })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events recorded before this instant' })
  @IsOptional()
  @Matches(INSTANT, { message: `createdTo must be an ${ISO_8601}` })
  @IsISO8601({ strict: true }, { message: `createdTo must be an ${ISO_8601}` })
  createdTo?: string;
}
