import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// `npm run bench` must work right after `npm run setup` (issue 15, point 8): a benchmark that reaches PostgreSQL or
// Kafka reads their addresses (and the services' secrets) from .infra.env, which only scripts/infra-env.sh loads. So
// every `bench:*` script whose code (the bench file and what it imports from this repository) reads DATABASE_URL or
// KAFKA_BROKERS runs behind it. Which benches need the servers is found in their code, not listed here.
const ROOT = join(__dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const benches = Object.entries(scripts).filter(([name]) => name.startsWith('bench:'));

/** The repository files `file` imports by a relative path (tsconfig aliases are libraries, read via their config). */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from\s+|require\(|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.flatMap((specifier) => {
    const base = join(dirname(file), specifier);
    const found = [`${base}.ts`, `${base}.js`, join(base, 'index.ts'), base].find(
      (candidate) => existsSync(candidate) && !candidate.endsWith('/'),
    );
    return found && /\.[jt]s$/.test(found) ? [found] : [];
  });
}

/** The files of the bench's code that read the servers' addresses (DATABASE_URL, KAFKA_BROKERS), if any. */
function serverSettingsReadBy(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  const readers: string[] = [];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (/\b(DATABASE_URL|KAFKA_BROKERS)\b/.test(readFileSync(file, 'utf8'))) readers.push(relative(ROOT, file));
    pending.push(...relativeImports(file));
  }
  return readers;
}

/** The bench file a script runs: its last `bench/….ts` argument. */
function entryOf(command: string): string {
  const match = /(bench\/[\w./-]+\.ts)\b/.exec(command);
  if (!match) throw new Error(`no bench/*.ts in "${command}"`);
  return join(ROOT, match[1]);
}

describe('npm run bench:*', () => {
  it('has benches, and `npm run bench` runs only bench:* scripts that exist', () => {
    expect(benches.length).toBeGreaterThan(0);
    const steps = [...scripts.bench.matchAll(/npm run (\S+)/g)].map((m) => m[1]);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(Object.keys(scripts)).toContain(step);
  });

  it.each(benches)(
    '%s reads .infra.env (scripts/infra-env.sh) when it reaches PostgreSQL or Kafka',
    (name, command) => {
      const readers = serverSettingsReadBy(entryOf(command));
      if (readers.length > 0) {
        expect({ name, command, readers }).toEqual({
          name,
          command: expect.stringMatching(/^bash scripts\/infra-env\.sh /),
          readers,
        });
      }
      // (one that reads neither, bench:rpc-signing, may run behind it or not)
    },
  );

  it('finds the benches that reach the servers (the search reads imports, not only the entry)', () => {
    const needing = benches.filter(([, command]) => serverSettingsReadBy(entryOf(command)).length > 0).map(([n]) => n);
    expect(needing).toEqual(expect.arrayContaining(['bench:event-store', 'bench:gateway', 'bench:replay']));
    expect(needing).not.toContain('bench:rpc-signing');
  });
});
