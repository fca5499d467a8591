import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FailureCode } from '@payment-ledger/contracts';
import { ApiError } from './api-error';
import { checkQueryText } from './text-rules';

export interface FieldProblem {
  field: string;
  failureCode: FailureCode;
  failureMessage: string;
}

/**
 * Every query is validated against its DTO: unknown parameters are refused, types are strict, and no parameter may
 * hold a control character or an unpaired surrogate (text-rules.ts). The first problem becomes the error's
 * `failureCode` and `field`; all of them are listed in `errors`. (Bodies have schemas of their own: request-body.ts.)
 */
export function apiValidationPipe(): ValidationPipe {
  return new QueryValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false },
    exceptionFactory: (errors) => validationFailed(errors.flatMap((e) => flatten(e, ''))),
  });
}

class QueryValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query') checkQueryText(value);
    return super.transform(value, metadata);
  }
}

/** The 400 for a request's problems, in the order they were found (one per field). */
export function validationFailed(problems: FieldProblem[]): ApiError {
  const first = problems[0] ?? { field: '', failureCode: 'invalid_request', failureMessage: 'Invalid request' };
  return new ApiError(400, first.failureCode, first.failureMessage, { field: first.field, errors: problems });
}

/** `amount.value`, `authenticationSettings[0].settings`: how a property is named under its parent. */
export function fieldPath(parent: string, property: string): string {
  if (parent === '') return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}

/** One problem per field is reported: the most specific of those found, the first among equals. */
export function mostSpecific(problems: FieldProblem[]): FieldProblem | undefined {
  return [...problems].sort((a, b) => rank(a.failureCode) - rank(b.failureCode))[0];
}

function flatten(error: ValidationError, parent: string): FieldProblem[] {
  const field = fieldPath(parent, error.property);
  const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
    field,
    failureCode: codeFor(constraint, error),
    failureMessage: message,
  }));
  const mine = mostSpecific(own);
  return [...(mine ? [mine] : []), ...(error.children ?? []).flatMap((child) => flatten(child, field))];
}

function codeFor(constraint: string, error: ValidationError): FailureCode {
  if (constraint === 'whitelistValidation') return 'unknown_field';
  if (constraint === 'unknownValue') return 'invalid_request';
  if (error.value === undefined) return 'missing_field';
  return 'invalid_field';
}

function rank(code: string): number {
  return code === 'missing_field' ? 0 : code === 'unknown_field' ? 1 : 2;
}
