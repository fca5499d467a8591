import { InvalidArgumentError } from 'commander';

/**
 * Parsers of the CLI's argument values, for commander's `.argParser`: a bad value is commander's usage error (exit 2)
 * naming the option.
 */

/** An instant: ISO 8601 with a time zone (`2026-03-01T12:00:00Z`), or a date (`2026-03-01`, midnight UTC). */
export function instant(value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
  const parsed = new Date(value);
  if (!iso.test(value) || Number.isNaN(parsed.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 instant with a zone, e.g. 2026-03-01T12:00:00Z, or a date');
  }
  return parsed;
}

/** A whole number ≥ `min`. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    }
    return Number(value);
  };
}

/** For a repeatable option: each value added to the list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
