/**
 * Writes docs/configuration.md, the table of every environment variable the services read (`npm run docs:config`),
 * from the code itself: each service's config schema (scripts/config-schemas.ts) gives the variables, the services
 * reading them and their defaults (what the field parses when the variable is unset); the meaning is the JSDoc
 * comment above the field in its source file (read with the TypeScript compiler API), or, for the address settings,
 * the service registry. A variable without a meaning, or with two, stops it. A unit test
 * (libs/platform/src/config/configuration-doc.spec.ts) fails when the committed file differs from what this renders.
 * The output is in Prettier's shape, so `prettier --check` passes on it as written.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { SERVICE_REGISTRY, type ServiceName } from '../libs/platform/src/bootstrap/service-registry';
import type { ConfigField } from '../libs/platform/src/config/config';
import { configSchemas } from './config-schemas';
import { SECRET_REFS } from './registry';

const ROOT = join(__dirname, '..');
export const CONFIG_DOC_PATH = join(ROOT, 'docs', 'configuration.md');

export interface ConfigRow {
  name: string;
  services: ServiceName[];
  field: ConfigField<unknown>;
  /** The rendered default, or `required`. */
  default: string;
  meaning: string;
}

/** Every variable any service reads, in the order the services (registry order) list them. */
export function configRows(): ConfigRow[] {
  const rows = new Map<string, { services: ServiceName[]; field: ConfigField<unknown> }>();
  for (const [service, schema] of configSchemas()) {
    for (const [name, field] of Object.entries(schema)) {
      const row = rows.get(name) ?? { services: [], field };
      row.services.push(service);
      rows.set(name, row);
    }
  }
  const documented = documentedMeanings([...rows.keys()]);
  const problems: string[] = [];
  const result = [...rows].map(([name, { services, field }]) => {
    const meaning = registryMeaning(name) ?? documented.get(name)?.meaning;
    if (meaning === undefined) problems.push(`${name}: no /** comment */ above its field in a config schema`);
    return { name, services, field, default: defaultOf(name, field), meaning: meaning ?? '' };
  });
  for (const [name, { files }] of documented) {
    if (files.length > 1) problems.push(`${name}: its meaning is written twice (${files.join(', ')})`);
    if (registryMeaning(name) !== undefined) problems.push(`${name}: the service registry gives its meaning`);
  }
  if (problems.length > 0) throw new Error(`docs/configuration.md:\n  - ${problems.join('\n  - ')}`);
  return result;
}

/** What the field parses with the variable unset: its default, or `required` when it refuses. */
function defaultOf(name: string, field: ConfigField<unknown>): string {
  let value: unknown;
  try {
    value = field.parse(undefined, name);
  } catch {
    return field.secret ? 'required (secret)' : 'required';
  }
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.length === 0 ? 'empty' : `\`${value.join(',')}\``;
  return `\`${String(value)}\``;
}

// Meanings ---------------------------------------------------------------------------------------------------------

/** The address settings' meanings, from the service registry (they are made there, not written as fields). */
function registryMeaning(name: string): string | undefined {
  for (const [service, spec] of Object.entries(SERVICE_REGISTRY) as [
    ServiceName,
    (typeof SERVICE_REGISTRY)[ServiceName],
  ][]) {
    const transport = spec.transport === 'tcp' ? 'TCP (the RPC kit)' : 'HTTP';
    if (spec.host === name) {
      return (
        `Host of the ${service} service: where it listens (in its own config; \`0.0.0.0\` in its container) and ` +
        `where its callers connect (in theirs; its DNS name, \`${service}\`).`
      );
    }
    if (spec.port === name) {
      return `Port of the ${service} service, ${transport}: where it listens (0: any free port) and its callers connect.`;
    }
    if (spec.opsPort.setting === name) {
      return (
        `Ops port of the ${service} service, on its host: plain HTTP for Prometheus (\`/metrics\`) and the health ` +
        `probes (\`/health/live\`, \`/health/ready\`); only Prometheus' namespace may reach it (0: any free port).`
      );
    }
  }
  return undefined;
}

/** Source files that may declare config fields: the apps' and libraries' code, tests aside. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/(?<!\.spec|\.int-spec|\.e2e-spec|\.spec-support)\.ts$/.test(entry.name)) files.push(path);
    }
  };
  for (const top of ['apps', 'libs']) {
    for (const project of readdirSync(join(ROOT, top), { withFileTypes: true })) {
      if (project.isDirectory()) walk(join(ROOT, top, project.name, 'src'));
    }
  }
  return files;
}

/** The JSDoc comment above each property named like one of `names`, in every source file, and where it is. */
function documentedMeanings(names: string[]): Map<string, { meaning: string; files: string[] }> {
  const wanted = new Set(names);
  const found = new Map<string, { meaning: string; files: string[] }>();
  for (const path of sourceFiles()) {
    const text = readFileSync(path, 'utf8');
    if (!names.some((name) => text.includes(name))) continue;
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && wanted.has(node.name.text)) {
        const comment = ts
          .getJSDocCommentsAndTags(node)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim();
        if (comment !== '') {
          const entry = found.get(node.name.text) ?? { meaning: comment, files: [] };
          entry.files.push(relative(ROOT, path));
          found.set(node.name.text, entry);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

// The document -----------------------------------------------------------------------------------------------------

const HEADER = `# Configuration

<!-- Generated by \`npm run docs:config\` (scripts/generate-config-doc.ts) from the services' config schemas
(apps/*/src/*.config.ts and the shared schemas they spread); edit those, not this file. -->

Every service reads its configuration from environment variables once, at start-up, and refuses to start when one
is missing or bad, naming it. This is every variable, the services that read it, its default (\`required\`: it has
none) and what it means. The meaning is the comment above the variable's field in its config schema (the address
settings': the service registry, libs/platform/src/bootstrap/service-registry.ts).
`;

function secretsSection(rows: ConfigRow[]): string {
  const secrets = rows.filter((row) => row.field.secret);
  const list = secrets
    .map((row) => {
      const ref = SECRET_REFS[row.name];
      const k8s = ref ? `; in Kubernetes the Secret \`${ref.name}\`, key \`${ref.key}\`` : '';
      return `- \`${row.name}\` (${row.services.join(', ')})${k8s}`;
    })
    .join('\n');
  return `## Secrets

No secret has a default (a default would be public): a service without one, or with one shorter than 32
characters, refuses to start. \`npm run setup\` generates random ones into \`.infra.env\` once (a re-run keeps them),
which \`npm run stack\`, \`npm test\` and the benchmarks read; docker-compose.yml takes them from the environment of
\`docker compose\` (\`set -a; . ./.infra.env; set +a\`) and refuses to run without them; k8s/base refers to Secrets,
never a value.

${list}
`;
}

function listenSection(): string {
  const rows = (Object.keys(SERVICE_REGISTRY) as ServiceName[]).map((service) => {
    const spec = SERVICE_REGISTRY[service];
    const callers = (Object.keys(SERVICE_REGISTRY) as ServiceName[]).filter((caller) =>
      (SERVICE_REGISTRY[caller].calls as readonly string[]).includes(service),
    );
    return [
      service,
      `\`${spec.host}\`, \`${spec.port}\` (${spec.defaultPort})`,
      '`0.0.0.0`',
      callers.length > 0 ? `\`${service}\` (${callers.join(', ')})` : '(none: called from outside)',
    ];
  });
  return `## Listen addresses in containers

A service's \`*_HOST\` setting is both where it listens (in its own config) and where its callers connect to it (in
theirs). The default, \`127.0.0.1\`, suits one machine (\`npm run stack\`, the tests). In a container a service must
listen on every interface, so its own \`*_HOST\` is \`0.0.0.0\`, and its callers set the same variable to its DNS name
(the compose service or Kubernetes Service named after it). docker-compose.yml and k8s/base/services.yaml, generated
from the service registry (\`npm run registry:generate\`), do both:

${table(['service', 'address settings (default port)', 'its own value in a container', "its callers' value (callers)"], rows)}`;
}

export function renderConfigDoc(): string {
  const rows = configRows();
  const variables = table(
    ['variable', 'read by', 'default', 'meaning'],
    rows.map((row) => [`\`${row.name}\``, row.services.join(', '), row.default, row.meaning]),
  );
  return `${HEADER}\n## Variables\n\n${variables}\n${secretsSection(rows)}\n${listenSection()}`;
}

/** A Markdown table padded the way Prettier pads it. */
function table(head: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const body = rows.map((row) => row.map(cell));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n') + '\n';
}

if (require.main === module) {
  writeFileSync(CONFIG_DOC_PATH, renderConfigDoc());
}
