import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';

const ISO_8601 = 'ISO 8601 date-time with a time zone, such as 2025-03-26T20:24:27Z';
/** A date and a time with its zone (an instant): a bare date or local time would depend on where it is read. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An optional query parameter that is an instant (`createdFrom`, `createdTo` of the lists filtered by time): a date,
 * a time and its zone, refused with the parameter's name otherwise. One definition for every list.
 */
export function InstantQueryParam(name: string, description: string): PropertyDecorator {
  const message = `${name} must be an ${ISO_8601}`;
  return applyDecorators(
    ApiPropertyOptional({ format: 'date-time', description }),
    IsOptional(),
    Matches(INSTANT, { message }),
    IsISO8601({ strict: true }, { message }),
  );
}
