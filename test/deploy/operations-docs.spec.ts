import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_REGISTRY, type ServiceName } from '@payment-ledger/platform';
import { SECRET_REFS } from '../../scripts/registry';
import { secretSettingsOf } from '../../scripts/config-schemas';

// The operators' documents name every service and every Secret: both lists are derived from the service registry
// and the services' config schemas (their `env.secret()` settings), so a new service or secret fails here until it is
// documented.
const ROOT = join(__dirname, '..', '..');
const names = Object.keys(SERVICE_REGISTRY) as ServiceName[];

/** The rows of the first Markdown table after `heading`, as cells (header and separator rows left out). */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" heading`);
  const lines = markdown.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const table: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table.slice(2).map((row) =>
    row
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

/** Which services read each Secret (by its name in SECRET_REFS), from their config schemas. */
function readersBySecret(): Map<string, ServiceName[]> {
  const readers = new Map<string, ServiceName[]>();
  for (const name of names) {
    for (const setting of secretSettingsOf(name)) {
      const ref = SECRET_REFS[setting];
      if (!ref) throw new Error(`${setting} (read by ${name}) has no Secret in SECRET_REFS (scripts/registry.ts)`);
      readers.set(ref.name, [...(readers.get(ref.name) ?? []), name]);
    }
  }
  return readers;
}

describe('docs/operations.md', () => {
  const rows = tableAfter(readFileSync(join(ROOT, 'docs/operations.md'), 'utf8'), '## What runs');

  it('has a row in "What runs" for every service of the registry (and the migration job), each with its role', () => {
    const processes = rows.map(([process]) => process);
    expect(processes).toEqual(expect.arrayContaining([...names, 'migrate']));
    for (const row of rows) expect(row.every((cell) => cell.length > 0)).toBe(true);
  });
});

describe('k8s/README.md', () => {
  const rows = tableAfter(readFileSync(join(ROOT, 'k8s/README.md'), 'utf8'), '## Config and secrets');
  const secrets = new Map(rows.map(([secret, key, readBy]) => [secret.replace(/`/g, ''), { key, readBy }]));

  it.each([...readersBySecret()])(
    'lists the Secret %s with its key and every service that reads it',
    (secret, readers) => {
      const row = secrets.get(secret);
      expect({ secret, listed: row !== undefined }).toEqual({ secret, listed: true });
      const ref = Object.values(SECRET_REFS).find((r) => r.name === secret)!;
      expect(row!.key).toBe(`\`${ref.key}\``);
      if (readers.length === names.length) {
        expect(row!.readBy).toMatch(/^every service/);
      } else {
        const listed = row!.readBy.split(/,\s*/);
        expect({ secret, readBy: listed.sort() }).toEqual({ secret, readBy: [...readers].sort() });
      }
    },
  );
});
