import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ID_PREFIXES, type IdKind } from '@payment-ledger/contracts';

/** The page size of every list endpoint (cursor pagination: lists add their own `startingAfter`). */
export abstract class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** The pattern of each kind of id (prefix and 32 hex digits): what a cursor or an id filter must match. */
export const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, `^${prefix}_[0-9a-f]{32}$`]),
) as Record<IdKind, string>;
