import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../../../scripts/generate-errors-doc';
import { FAILURE_CODES, failureCodesWithStatus, isFailureCode } from './failure-codes';

const ROOT = join(__dirname, '..', '..', '..');
const CATALOGUE = join(__dirname, 'failure-codes.ts');

/** The source the services and the gateway run (no tests, no generated output). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !/\.(spec|int-spec|spec-support)\.ts$/.test(path) && path !== CATALOGUE
      ? [path]
      : [];
  });
}
const sources = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))].map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

describe('the failure-code catalogue', () => {
  it('is what docs/errors.md says (run `npm run docs:errors` after changing it)', () => {
    expect(readFileSync(ERRORS_DOC_PATH, 'utf8')).toBe(renderErrorsDoc());
  });

  it('has no entry that no source file uses', () => {
    const unused = Object.keys(FAILURE_CODES).filter((code) => !sources.some(({ text }) => text.includes(`'${code}'`)));
    expect(unused).toEqual([]);
  });

  it('lists every code the gateway and the domain errors answer with', () => {
    // Codes are typed against the catalogue where they are thrown; this reads them back from the source, so loosening
    // a type (a `string` code) cannot let an uncatalogued one through unnoticed.
    const patterns = [
      /readonly code = '([a-z_]+)'/g,
      /'x-failure-code': '([a-z_]+)'/g,
      /new ApiError\(\s*\d{3},\s*'([a-z_]+)'/g,
      /Rejected(?:<\w+>)?\(\s*'([a-z_]+)'/g,
      /failureCode: '([a-z_]+)'/g,
    ];
    const found = new Map<string, string>();
    // The provider adapters' codes describe a FAILED charge (its `failure.failureCode`), not an API error.
    for (const { path, text } of sources.filter((source) => !source.path.startsWith('libs/payment-methods/'))) {
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.set(match[1], path);
    }
    // The deciders' decline code of a FAILED charge or agreement (`failure.failureCode`) is not an API error either.
    const declines = new Set(['authentication_timed_out']);
    // Codes of plain Errors inside the infrastructure (not DomainErrors): the RPC error filter answers them as
    // `concurrent_modification` or `internal_error`, so they never reach a merchant as themselves.
    const internal = new Set([
      'concurrency_conflict',
      'duplicate_event',
      'invalid_stream_id',
      'malformed_message',
      'malformed_event',
    ]);
    const missing = [...found]
      .filter(([code]) => !isFailureCode(code) && !internal.has(code) && !declines.has(code))
      .map(([code, path]) => `${code} (${path})`);
    expect(found.size).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  it('gives every status at least one code', () => {
    for (const status of [400, 401, 403, 404, 408, 409, 413, 415, 429, 431, 500, 503]) {
      expect(failureCodesWithStatus(status).length).toBeGreaterThan(0);
    }
  });
});
