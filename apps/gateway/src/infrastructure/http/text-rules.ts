import { ApiError } from './api-error';
import { fieldPath } from './validation';

/**
 * What text the gateway accepts, in every request. A NUL or an unpaired surrogate (ill-formed UTF-16, which JSON's
 * `\ud800` escapes can produce) would reach PostgreSQL, which refuses both in text and jsonb (a 500 then), so they
 * are refused wherever they appear: in any string or key of a body, in any query parameter. Bodies nested deeper
 * than MAX_JSON_DEPTH are refused before anything recurses into them (10,000 levels overflowed the stack).
 * Header values never carry either: Node's HTTP parser refuses control characters there (see client-errors.ts).
 *
 * Other C0 control characters are refused per field by the patterns below, which the body schemas use and the
 * OpenAPI document shows: ids, names, codes and URLs are single-line text; free text (a description) may hold tabs
 * and line breaks.
 */

export const MAX_JSON_DEPTH = 32;

/** No C0 control character and no DEL: names, references, codes. */
export const SINGLE_LINE_TEXT = '^[^\\u0000-\\u001F\\u007F]*$';
/** As SINGLE_LINE_TEXT, and not only white space (a name someone can read). */
export const VISIBLE_SINGLE_LINE_TEXT = '^(?!\\s*$)[^\\u0000-\\u001F\\u007F]*$';
/** Free text: tab, line feed and carriage return allowed, other control characters not. */
export const MULTI_LINE_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

// Control characters are what these expressions look for.
/* eslint-disable no-control-regex */
const NUL_OR_UNPAIRED_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F]/;
const CONTROL_CHARACTER_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/* eslint-enable no-control-regex */

/** Whether a string breaks the control-character rule of a field with this pattern. */
export function hasRefusedControlCharacters(value: string, pattern: string | undefined): boolean {
  return (pattern === MULTI_LINE_TEXT ? CONTROL_CHARACTER_BUT_LINE_BREAKS : CONTROL_CHARACTER).test(value);
}

/** A key or value as it can be shown in a message or a `field`: control characters and lone surrogates escaped. */
export function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export function invalidCharacters(field: string, detail = 'a NUL character or an unpaired surrogate'): ApiError {
  const message = `${field} must not contain ${detail}`;
  return new ApiError(400, 'invalid_characters', message, {
    field,
    errors: [{ field, failureCode: 'invalid_characters', failureMessage: message }],
  });
}

/** Refuses a parsed JSON body nested deeper than MAX_JSON_DEPTH or holding a NUL or unpaired surrogate anywhere. */
export function checkJsonText(body: unknown): void {
  const problem = findProblem(body, 1);
  if (!problem) return;
  const field = problem.path.reduceRight((parent, key) => fieldPath(parent, key), '');
  if (problem.kind === 'characters') throw invalidCharacters(field || '(body)');
  throw new ApiError(400, 'invalid_json_depth', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, {
    field,
  });
}

interface Problem {
  kind: 'characters' | 'depth';
  /** Keys from the problem up to the body (built on the way back, so a valid body costs no strings). */
  path: string[];
}

/** Depth-first; the recursion stops at MAX_JSON_DEPTH + 1, so it cannot overflow the stack. */
function findProblem(value: unknown, depth: number): Problem | undefined {
  if (typeof value === 'string') {
    return NUL_OR_UNPAIRED_SURROGATE.test(value) ? { kind: 'characters', path: [] } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_JSON_DEPTH) return { kind: 'depth', path: [] };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findProblem(value[index], depth + 1);
      if (problem) return within(problem, String(index));
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (NUL_OR_UNPAIRED_SURROGATE.test(key)) return { kind: 'characters', path: [printable(key)] };
    const problem = findProblem((value as Record<string, unknown>)[key], depth + 1);
    if (problem) return within(problem, printable(key));
  }
  return undefined;
}

function within(problem: Problem, key: string): Problem {
  problem.path.push(key);
  return problem;
}

/**
 * Refuses a query parameter holding a control character or an unpaired surrogate: every parameter is an id, a code
 * or a reference, never free text.
 */
export function checkQueryText(query: unknown): void {
  if (typeof query !== 'object' || query === null) return;
  for (const [name, value] of Object.entries(query)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string' && (CONTROL_CHARACTER.test(text) || NUL_OR_UNPAIRED_SURROGATE.test(text))) {
        throw invalidCharacters(printable(name), 'control characters or an unpaired surrogate');
      }
    }
  }
}
