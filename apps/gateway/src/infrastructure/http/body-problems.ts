import type { ErrorObject } from 'ajv';
import { FORMATS } from './body-formats';
import type { JsonSchema } from './body-schema';
import { hasRefusedControlCharacters, printable } from './text-rules';
import { type FieldProblem, fieldPath } from './validation';

/**
 * What the API says about a refused body: ajv's errors as the API's problems, one per field, each with a
 * `failureCode` (`missing_field`, `unknown_field`, `invalid_characters`, the field's own `x-failure-code`, or
 * `invalid_field`) and a message that starts with the field's path ("amount.value must be an integer").
 */

/** One problem per field, in the order ajv found them (required fields, unknown fields, then each field). */
export function problemsOf(errors: ErrorObject[]): FieldProblem[] {
  const byField = new Map<string, { problem: FieldProblem; rank: number }>();
  for (const error of errors) {
    const problem = problemOf(error);
    const rank = RANKS[error.keyword] ?? RANKS.other;
    const seen = byField.get(problem.field);
    if (!seen || rank < seen.rank) byField.set(problem.field, { problem, rank });
  }
  return [...byField.values()].map(({ problem }) => problem);
}

/**
 * Which problem of a field is reported: its absence, then a value of the wrong type, then one of the wrong form
 * ("USA" is no country code, rather than too long), then the first other.
 */
const RANKS: Record<string, number> = {
  required: 0,
  additionalProperties: 1,
  type: 2,
  enum: 3,
  pattern: 3,
  format: 3,
  other: 4,
};

function problemOf(error: ErrorObject): FieldProblem {
  const path = pathOf(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const field = fieldPath(path, printable(String(error.params.missingProperty)));
      return { field, failureCode: 'missing_field', failureMessage: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = fieldPath(path, printable(String(error.params.additionalProperty)));
      return { field, failureCode: 'unknown_field', failureMessage: `${field} is not a field of this request` };
    }
  }
  const field = path || '(body)';
  const schema = (error.parentSchema ?? {}) as JsonSchema;
  const value: unknown = error.data;
  if (error.keyword === 'type' && value === null) {
    return { field, failureCode: 'invalid_field', failureMessage: `${field} must not be null` };
  }
  if (error.keyword !== 'type' && typeof value === 'string' && hasRefusedControlCharacters(value, schema.pattern)) {
    return {
      field,
      failureCode: 'invalid_characters',
      failureMessage: `${field} must not contain control characters`,
    };
  }
  const form = FORM_KEYWORDS.has(error.keyword) ? schema['x-failure-message'] : undefined;
  return {
    field,
    failureCode: schema['x-failure-code'] ?? 'invalid_field',
    failureMessage: `${field} ${form ?? mustBe(error)}`,
  };
}

/** The keywords that say what a value must look like: a field's `x-failure-message` says it better. */
const FORM_KEYWORDS = new Set(['enum', 'pattern', 'format']);

/** `/authenticationSettings/0/settings` → `authenticationSettings[0].settings` (JSON pointer → the API's paths). */
function pathOf(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => printable(segment.replace(/~1/g, '/').replace(/~0/g, '~')))
    .reduce(fieldPath, '');
}

const ARTICLES: Record<string, string> = { integer: 'an integer', object: 'an object', array: 'an array' };

function mustBe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${ARTICLES[String(params.type)] ?? `a ${String(params.type)}`}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'format':
      return FORMATS[String(params.format)]?.message ?? `must be ${String(params.format)}`;
    case 'pattern':
      return 'is not in the expected form';
    default:
      return error.message ?? 'is not valid';
  }
}
