import {
  arrayMaxSize,
  arrayMinSize,
  equals,
  isArray,
  isIn,
  isInt,
  isISO31661Alpha2,
  isNotEmpty,
  isObject,
  isString,
  isURL,
  matches,
  max,
  maxLength,
  min,
} from 'class-validator';
import { type FieldProblem, fieldPath, mostSpecific, validationFailed } from './validation';

/**
 * A request body checked without class-validator and class-transformer, whose per-request cost shows on the busiest
 * routes (create-charge). A schema states a DTO's decorators as data, compiled once, and the answer is the one
 * `apiValidationPipe` gives for that DTO, problem for problem: an object's unknown fields first, then its fields in
 * order, one problem per field (its first failing rule) before the problems nested in it. As with class-validator,
 * nested validation goes into an array item by item; the schemas refuse arrays where objects belong with isObject.
 */

/** A check of a field's value, and what class-validator reports when it fails (`message`, `context.code`). */
export interface Rule {
  passes: (value: unknown) => boolean;
  message: (property: string) => string;
  code?: string;
}

export interface FieldSchema {
  /** As `@IsOptional()`: null or undefined skips every check. Without it the field is required (`@IsDefined()`). */
  optional?: boolean;
  /**
   * Checked in class-validator's order, which is the DTO's decorators read from the bottom up: the first failing
   * rule is the one reported.
   */
  rules?: Rule[];
  /** As `@ValidateNested({ each })` with `@Type()`: the fields of the object, or of each item of the array. */
  nested?: { fields: ObjectSchema; each?: boolean };
}

export type ObjectSchema = Record<string, FieldSchema>;

interface RuleOptions {
  message?: string;
  code?: string;
}

function rule(passes: Rule['passes'], defaultMessage: Rule['message'], options: RuleOptions = {}): Rule {
  const { message, code } = options;
  return { passes, message: message === undefined ? defaultMessage : () => message, code };
}

/** class-validator's checks of the same names, with their default messages. */
export const rules = {
  arrayMaxSize: (limit: number, options?: RuleOptions) =>
    rule(
      (v) => arrayMaxSize(v, limit),
      (p) => `${p} must contain no more than ${limit} elements`,
      options,
    ),
  arrayMinSize: (limit: number, options?: RuleOptions) =>
    rule(
      (v) => arrayMinSize(v, limit),
      (p) => `${p} must contain at least ${limit} elements`,
      options,
    ),
  equals: (expected: unknown, options?: RuleOptions) =>
    rule(
      (v) => equals(v, expected),
      (p) => `${p} must be equal to ${String(expected)}`,
      options,
    ),
  isArray: (options?: RuleOptions) => rule(isArray, (p) => `${p} must be an array`, options),
  isIn: (values: readonly unknown[], options?: RuleOptions) =>
    rule(
      (v) => isIn(v, values),
      (p) => `${p} must be one of the following values: ${values.join(', ')}`,
      options,
    ),
  isInt: (options?: RuleOptions) => rule(isInt, (p) => `${p} must be an integer number`, options),
  isISO31661Alpha2: (options?: RuleOptions) =>
    rule(isISO31661Alpha2, (p) => `${p} must be a valid ISO31661 Alpha2 code`, options),
  isNotEmpty: (options?: RuleOptions) => rule(isNotEmpty, (p) => `${p} should not be empty`, options),
  /** As `@IsObject({ each })`: with `each`, every item of an array value (or a value that is not an array). */
  isObject: (options?: RuleOptions & { each?: boolean }) =>
    rule(
      (v) => (options?.each && Array.isArray(v) ? v.every((item) => isObject(item)) : isObject(v)),
      (p) => `${options?.each ? 'each value in ' : ''}${p} must be an object`,
      options,
    ),
  isString: (options?: RuleOptions) => rule(isString, (p) => `${p} must be a string`, options),
  isUrl: (urlOptions: Parameters<typeof isURL>[1], options?: RuleOptions) =>
    rule(
      (v) => typeof v === 'string' && isURL(v, urlOptions),
      (p) => `${p} must be a URL address`,
      options,
    ),
  matches: (pattern: RegExp, options?: RuleOptions) =>
    rule(
      (v) => typeof v === 'string' && matches(v, pattern),
      (p) => `${p} must match ${pattern} regular expression`,
      options,
    ),
  max: (limit: number, options?: RuleOptions) =>
    rule(
      (v) => max(v, limit),
      (p) => `${p} must not be greater than ${limit}`,
      options,
    ),
  maxLength: (limit: number, options?: RuleOptions) =>
    rule(
      (v) => maxLength(v, limit),
      (p) => `${p} must be shorter than or equal to ${limit} characters`,
      options,
    ),
  min: (limit: number, options?: RuleOptions) =>
    rule(
      (v) => min(v, limit),
      (p) => `${p} must not be less than ${limit}`,
      options,
    ),
};

interface Report {
  message: string;
  code?: string;
}

interface CompiledRule extends Report {
  passes: (value: unknown) => boolean;
}

interface CompiledField {
  property: string;
  optional: boolean;
  absentMessage: string;
  rules: CompiledRule[];
  nested?: CompiledNested;
}

interface CompiledNested {
  object: CompiledObject;
  notObject: Report;
}

interface CompiledObject {
  fields: CompiledField[];
  known: Set<string>;
}

/** A body's rules, compiled once: `validate` throws the API's 400 (see validation.ts) for a body that breaks them. */
export class BodyValidator<Body> {
  private readonly object: CompiledObject;

  constructor(schema: ObjectSchema) {
    this.object = compileObject(schema);
  }

  validate(body: unknown): Body {
    const problems: FieldProblem[] = [];
    checkObject(this.object, (body ?? {}) as Record<string, unknown>, '', problems);
    if (problems.length > 0) throw validationFailed(problems);
    return body as Body;
  }
}

function compileObject(schema: ObjectSchema): CompiledObject {
  const fields = Object.entries(schema).map(([property, field]) => ({
    property,
    optional: field.optional ?? false,
    absentMessage: `${property} should not be null or undefined`,
    rules: (field.rules ?? []).map(({ passes, message, code }) => ({ passes, message: message(property), code })),
    nested: field.nested && {
      object: compileObject(field.nested.fields),
      notObject: {
        message: `${field.nested.each ? 'each value in ' : ''}nested property ${property} must be either object or array`,
      },
    },
  }));
  return { fields, known: new Set(Object.keys(schema)) };
}

/**
 * Keys that never reach class-validator: the ValidationPipe deletes `__proto__`, `constructor` and `prototype`, and
 * class-transformer does not copy a key that names a method of the object it builds (`toString`, `valueOf`, …).
 */
function isDroppedKey(key: string): boolean {
  return key === 'prototype' || key in Object.prototype;
}

function checkObject(
  object: CompiledObject,
  value: Record<string, unknown>,
  path: string,
  problems: FieldProblem[],
): void {
  for (const key of Object.keys(value)) {
    if (!object.known.has(key) && !isDroppedKey(key)) {
      problems.push({
        field: fieldPath(path, key),
        failureCode: 'unknown_field',
        failureMessage: `property ${key} should not exist`,
      });
    }
  }
  for (const field of object.fields) checkField(field, value[field.property], path, problems);
}

function checkField(field: CompiledField, value: unknown, parent: string, problems: FieldProblem[]): void {
  if (value === undefined || value === null) {
    if (!field.optional) {
      problems.push({
        field: fieldPath(parent, field.property),
        failureCode: value === undefined ? 'missing_field' : 'invalid_field',
        failureMessage: field.absentMessage,
      });
    }
    return;
  }
  let failed: Report[] | undefined;
  for (const rule of field.rules) if (!rule.passes(value)) (failed ??= []).push(rule);
  if (!failed && !field.nested) return;
  const path = fieldPath(parent, field.property);
  const ownProblemAt = problems.length;
  if (field.nested) {
    if (typeof value === 'object') checkNested(field.nested, value, path, problems);
    else (failed ??= []).push(field.nested.notObject);
  }
  if (!failed) return;
  // The ValidationPipe drops the value of a field with nested problems, so apiValidationPipe calls it missing.
  const withoutValue = problems.length > ownProblemAt;
  const own = mostSpecific(
    failed.map(({ message, code }) => ({
      field: path,
      failureCode: code ?? (withoutValue ? 'missing_field' : 'invalid_field'),
      failureMessage: message,
    })),
  );
  if (own) problems.splice(ownProblemAt, 0, own);
}

/** class-validator's nested validation: an array item by item (at any depth), an object field by field. */
function checkNested(nested: CompiledNested, value: object, path: string, problems: FieldProblem[]): void {
  if (!Array.isArray(value)) {
    checkObject(nested.object, value as Record<string, unknown>, path, problems);
    return;
  }
  value.forEach((item: unknown, index) => {
    const itemPath = fieldPath(path, String(index));
    if (typeof item === 'object' && item !== null) checkNested(nested, item, itemPath, problems);
    else problems.push({ field: itemPath, failureCode: 'invalid_field', failureMessage: nested.notObject.message });
  });
}
