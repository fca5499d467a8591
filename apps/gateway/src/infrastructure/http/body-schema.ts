/**
 * How a request body is defined: once, as a JSON schema (OpenAPI 3.0's dialect, so `nullable` rather than type
 * arrays) that request-body.ts compiles to check requests and openapi/api-schemas.ts turns into the document's
 * models. Each builder also carries the TypeScript type of the values its schema accepts, so a controller reads a
 * checked body without a second, hand-written description of it.
 *
 * Besides the standard keywords a schema may carry two OpenAPI extensions, read when a value is refused:
 * `x-failure-code` (the API's code for any problem with the field's value; `invalid_field` otherwise) and
 * `x-failure-message` (what a value that fails the field's enum, pattern or format must be, said after the field's
 * path: "must be an ISO 4217 code such as USD").
 */

import type { FailureCode } from '@payment-ledger/contracts';

/** The schema keywords the gateway's bodies use. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  nullable?: boolean;
  title?: string;
  description?: string;
  example?: unknown;
  default?: unknown;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  'x-failure-code'?: FailureCode;
  'x-failure-message'?: string;
}

declare const VALUE: unique symbol;
declare const OPTIONAL: unique symbol;

/** A schema, and (for the compiler only) the type of the values it accepts. */
export type Schema<T> = JsonSchema & { readonly [VALUE]?: T };
/** A field that may be left out or sent as null. */
export type OptionalSchema<T> = Schema<T | null> & { readonly [OPTIONAL]: true };
/** The type of the values a schema accepts. */
export type Infer<S> = S extends { readonly [VALUE]?: infer T } ? Exclude<T, undefined> : never;

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema<unknown> ? K : never }[keyof F];
type ObjectValue<F extends Fields> = { -readonly [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & {
  -readonly [K in OptionalKeys<F>]?: Infer<F[K]>;
};

/** What every builder takes besides its own constraints: documentation and the failure annotations. */
type Annotations = Pick<JsonSchema, 'description' | 'example' | 'default' | 'x-failure-code' | 'x-failure-message'>;

/** The optional fields, kept aside so that schemas stay plain data (ajv and the document read them as such). */
const optionalFields = new WeakSet<JsonSchema>();

/** A field that may be left out or sent as null (an enum lists null then, as OpenAPI 3.0 asks). */
export function optional<T>(schema: Schema<T>): OptionalSchema<T> {
  const nullable: JsonSchema = { ...schema, nullable: true };
  if (schema.enum) nullable.enum = [...schema.enum, null];
  optionalFields.add(nullable);
  return nullable as OptionalSchema<T>;
}

function isOptional(schema: JsonSchema): boolean {
  return optionalFields.has(schema);
}

/**
 * An object with exactly these fields (unknown ones are refused), named as its model in the OpenAPI document.
 * Fields not wrapped in `optional()` are required.
 */
export function object<F extends Fields>(
  title: string,
  properties: F,
  annotations: Annotations = {},
): Schema<ObjectValue<F>> {
  const required = Object.keys(properties).filter((key) => !isOptional(properties[key]));
  return { type: 'object', title, ...annotations, properties, required, additionalProperties: false };
}

export function array<T>(
  items: Schema<T>,
  constraints: Pick<JsonSchema, 'minItems' | 'maxItems'> & Annotations,
): Schema<T[]> {
  return { type: 'array', items, ...constraints };
}

export function integer(constraints: Pick<JsonSchema, 'minimum' | 'maximum'> & Annotations): Schema<number> {
  return { type: 'integer', ...constraints };
}

/**
 * A string. Every string has a maximum length; its `pattern` or `format` says what it may contain (see text-rules.ts
 * for the patterns that keep control characters out).
 */
export function string(
  constraints: Pick<JsonSchema, 'minLength' | 'pattern' | 'format'> & { maxLength: number } & Annotations,
): Schema<string> {
  return { type: 'string', ...constraints };
}

/** One of a few strings. */
export function oneOf<const V extends readonly string[]>(values: V, annotations: Annotations = {}): Schema<V[number]> {
  return { type: 'string', enum: values, ...annotations };
}
