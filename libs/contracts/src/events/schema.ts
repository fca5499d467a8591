/**
 * A tiny, dependency-free description of an event payload's shape that is both a run-time check and documentation.
 *
 * Each schema is built once, at module load, into plain closures: checking a payload is a walk over precompiled
 * property lists with `typeof` tests (no schema interpretation per event, no allocation on success). Only when a
 * check fails is the value walked again (`explain`) to say which field is wrong and why.
 *
 * Checked: that each required field is present with the right primitive type (string, finite number, integer,
 * boolean, one of some literals, null where allowed), recursively through objects and arrays. Not checked: formats
 * (dates, ids) and business rules; those are the writer's decider's job. Fields the schema does not name are
 * allowed and kept (a tolerant reader: a newer writer may add one without a new schema version).
 *
 * The TypeScript type a schema checks is tracked (`Schema<T>`): `object<T>({...})` must name every property of `T`
 * with a schema of its type, so a payload type and its check cannot drift apart unnoticed.
 */

export interface Schema<T> {
  /** Fast path: is the value of this shape? */
  readonly is: (value: unknown) => boolean;
  /** Slow path, for an error message: what is wrong with the value at `path` (null when nothing is). */
  readonly explain: (value: unknown, path: string) => string | null;
  /** The type as docs/events.md shows it: `string | null`, `'CONSUMER' | 'MERCHANT'`, `{ value: integer, … }`. */
  readonly display: string;
  /** A note for the docs (from the payload type's doc comment). */
  readonly note?: string;
  /** For objects: their properties, in declaration order (the docs list them). */
  readonly properties?: readonly PropertyDoc[];
  /** Set by `named(...)`: the docs show this name and list the type once under it. */
  readonly typeName?: string;
  /** Present on `optional(...)`: the property may be absent. */
  readonly optional?: true;
  /** Phantom: the type this schema checks. Never set. */
  readonly __type?: T;
}

export interface PropertyDoc {
  name: string;
  display: string;
  optional: boolean;
  note?: string;
  properties?: readonly PropertyDoc[];
}

/** One property schema per property of `T`, none missing and none extra. */
export type Shape<T> = { [K in keyof T]-?: Schema<T[K]> };

function leaf<T>(display: string, is: (value: unknown) => boolean, expected = display): Schema<T> {
  return {
    is,
    display,
    explain: (value, path) => (is(value) ? null : `${path} must be ${expected}, got ${show(value)}`),
  };
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export const string: Schema<string> = leaf('string', (v) => typeof v === 'string', 'a string');
export const number: Schema<number> = leaf('number', (v) => typeof v === 'number' && Number.isFinite(v), 'a number');
export const integer: Schema<number> = leaf('integer', (v) => Number.isSafeInteger(v), 'an integer');
export const boolean: Schema<boolean> = leaf('boolean', (v) => typeof v === 'boolean', 'a boolean');

/** One of the given strings. */
export function literal<const L extends string>(...values: L[]): Schema<L> {
  const display = values.map((v) => `'${v}'`).join(' | ');
  if (values.length === 1) {
    const only = values[0];
    return leaf(display, (v) => v === only, display);
  }
  const allowed = new Set<unknown>(values);
  return leaf(display, (v) => allowed.has(v), `one of ${display}`);
}

/** One of the values of a readonly list (`SIMULATION_CODES`). */
export function oneOf<const L extends string>(values: readonly L[], name: string): Schema<L> {
  const allowed = new Set<unknown>(values);
  return leaf(name, (v) => allowed.has(v), `one of ${values.join(', ')}`);
}

export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  const is = schema.is;
  return {
    ...schema,
    optional: undefined,
    display: `${schema.display} | null`,
    is: (v) => v === null || is(v),
    explain: (v, path) => (v === null ? null : schema.explain(v, path)),
  };
}

/** The property may be absent (its type says `name?: T`). */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  const is = schema.is;
  return {
    ...schema,
    optional: true,
    is: (v) => v === undefined || is(v),
    explain: (v, path) => (v === undefined ? null : schema.explain(v, path)),
  };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  const is = item.is;
  return {
    display: `${item.display}[]`,
    is: (v) => {
      if (!Array.isArray(v)) return false;
      for (let i = 0; i < v.length; i++) if (!is(v[i])) return false;
      return true;
    },
    explain: (v, path) => {
      if (!Array.isArray(v)) return `${path} must be an array, got ${show(v)}`;
      for (let i = 0; i < v.length; i++) {
        const problem = item.explain(v[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return null;
    },
  };
}

export function object<T>(shape: Shape<T>): Schema<T> {
  const entries = Object.entries(shape) as [string, Schema<unknown>][];
  const keys = entries.map(([key]) => key);
  const checks = entries.map(([, schema]) => schema.is);
  const count = keys.length;
  const properties: PropertyDoc[] = entries.map(([name, schema]) => ({
    name,
    display: schema.display,
    optional: schema.optional === true,
    note: schema.note,
    properties: schema.typeName ? undefined : schema.properties,
  }));
  return {
    display: `{ ${entries.map(([name, schema]) => `${name}${schema.optional ? '?' : ''}: ${schema.display}`).join(', ')} }`,
    properties,
    is: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      const record = v as Record<string, unknown>;
      for (let i = 0; i < count; i++) if (!checks[i](record[keys[i]])) return false;
      return true;
    },
    explain: (v, path) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        return `${path || 'the payload'} must be an object, got ${show(v)}`;
      }
      const record = v as Record<string, unknown>;
      for (const [key, schema] of entries) {
        const problem = schema.explain(record[key], path ? `${path}.${key}` : key);
        if (problem) return problem;
      }
      return null;
    },
  };
}

/** The same schema with a note for the docs. */
export function noted<T>(schema: Schema<T>, note: string): Schema<T> {
  return { ...schema, note };
}

/** A name for a composite type in the docs (`Money` instead of `{ value: integer, currency: string }`). */
export function named<T>(name: string, schema: Schema<T>): Schema<T> {
  return { ...schema, display: name, typeName: name };
}
