import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error';

interface FieldProblem {
  field: string;
  failureCode: string;
  failureMessage: string;
}

/**
 * Every body and query is validated against its DTO: unknown fields are refused, types are strict. The first
 * problem becomes the error's `failureCode` and `field`; all of them are listed in `errors`.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false },
    exceptionFactory: (errors) => {
      const problems = errors.flatMap((e) => flatten(e, ''));
      const first = problems[0] ?? { field: '', failureCode: 'invalid_request', failureMessage: 'Invalid request' };
      return new ApiError(400, first.failureCode, first.failureMessage, { field: first.field, errors: problems });
    },
  });
}

function flatten(error: ValidationError, parent: string): FieldProblem[] {
  const field =
    parent === ''
      ? error.property
      : /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`;
  const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
    field,
    failureCode: codeFor(constraint, error),
    failureMessage: message,
  }));
  // Report one problem per field: the most specific first.
  const mine = own.sort((a, b) => rank(a.failureCode) - rank(b.failureCode)).slice(0, 1);
  return [...mine, ...(error.children ?? []).flatMap((child) => flatten(child, field))];
}

function codeFor(constraint: string, error: ValidationError): string {
  const declared = error.contexts?.[constraint]?.code;
  if (typeof declared === 'string') return declared;
  if (constraint === 'whitelistValidation') return 'unknown_field';
  if (constraint === 'unknownValue') return 'invalid_request';
  if (error.value === undefined && ['isDefined', 'isNotEmpty', 'isNotEmptyObject'].includes(constraint))
    return 'missing_field';
  if (error.value === undefined) return 'missing_field';
  return 'invalid_field';
}

function rank(code: string): number {
  return code === 'missing_field' ? 0 : code === 'unknown_field' ? 1 : 2;
}
