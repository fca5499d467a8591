import { type IdKind, ID_PREFIXES, ID_PATTERNS } from '@payment-ledger/contracts';
import type { Infer, JsonSchema, Schema } from './body-schema';

/**
 * How a response is described: with the same schema builders and the same `Schema<T>` typing as request bodies
 * (body-schema.ts), so a resource's schema is checked by the compiler against the type the services answer with
 * (see the `describes` check beside each schema) and cannot drift from it. The OpenAPI document is made from
 * these schemas (openapi/api-schemas.ts); the contract test validates every real response against it.
 *
 * Two differences from bodies: every field of a response is always present (null when it has no value), and a
 * response object is open: clients must accept fields added later, so `additionalProperties: false` is left out
 * of the published document (the contract test checks a closed copy, so an undocumented field still fails it).
 */

type Fields = Record<string, Schema<unknown>>;
type ResourceValue<F extends Fields> = { -readonly [K in keyof F]: Infer<F[K]> };

/** An object the API answers with; all its fields are required. */
export function resource<F extends Fields>(
  title: string,
  properties: F,
  annotations: Pick<JsonSchema, 'description' | 'example'> = {},
): Schema<ResourceValue<F>> {
  return { type: 'object', title, ...annotations, properties, required: Object.keys(properties) };
}

/** A value that may be null (OpenAPI 3.0's `nullable`; an enum lists null then). */
export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  const result: JsonSchema = { ...schema, nullable: true };
  if (schema.enum) result.enum = [...schema.enum, null];
  return result as Schema<T | null>;
}

/** An object's id: its prefix and 32 hex digits (a UUIDv7). */
export function idOf(kind: IdKind, description?: string): Schema<string> {
  return {
    type: 'string',
    pattern: ID_PATTERNS[kind],
    example: `${ID_PREFIXES[kind]}_0193a1b2c3d4e5f60718293a4b5c6d7e`,
    ...(description ? { description } : {}),
  };
}

export function dateTime(description?: string): Schema<string> {
  return {
    type: 'string',
    format: 'date-time',
    example: '2025-02-19T15:30:08.312Z',
    ...(description ? { description } : {}),
  };
}

export function text(annotations: Pick<JsonSchema, 'description' | 'example' | 'format'> = {}): Schema<string> {
  return { type: 'string', ...annotations };
}

export function flag(annotations: Pick<JsonSchema, 'description' | 'example'> = {}): Schema<boolean> {
  return { type: 'boolean', ...annotations };
}

export function list<T>(items: Schema<T>, annotations: Pick<JsonSchema, 'description'> = {}): Schema<T[]> {
  return { type: 'array', items, ...annotations };
}

/** One page of a list: every list of the API has this envelope (cursor pagination, newest first or in order). */
export function page<T>(title: string, item: Schema<T>, itemName: string) {
  return resource(title, {
    data: list(item, { description: `This page of ${itemName}` }),
    hasMore: flag({ description: 'Whether there are more after this page' }),
    nextCursor: nullable(
      text({ description: 'Pass as `startingAfter` for the next page; null on the last page', example: null }),
    ),
  });
}

/** Whether two types are the same (each assignable to the other). */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * A compile-time check that a schema describes exactly the type the code answers with:
 * `describes<Infer<typeof schema>, Resource>(true)` compiles only if the two types are the same.
 */
export function describes<A, B>(same: SameType<A, B>): void {
  void same;
}
