import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_PATTERNS } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

/** `GET /v1/webhook-endpoints`: the merchant's endpoints, newest first. */
export class ListWebhookEndpointsQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.webhookEndpoint,
    description: 'Cursor: the nextCursor of the previous page (a webhook endpoint id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.webhookEndpoint), { message: 'startingAfter must be a webhook endpoint id' })
  startingAfter?: string;
}
