import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { SERVICE_REGISTRY } from '@payment-ledger/platform';

// The image cannot be built here (no Docker engine), so the Dockerfile is read as hadolint would read it.
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// semver comes with the toolchain (npm, jest); it only reads engine ranges here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(version: string, range: string): boolean };

/** The Node 20 line the code is tested on (package.json engines: >=20). */
const NODE_20 = '20.19.0';

const dockerfile = DockerfileParser.parse(read('Dockerfile'));
const froms = dockerfile.getFROMs();
const finalStage = froms[froms.length - 1];
/** The instructions of a stage (after its FROM, up to the next). */
const stage = (from: From): Instruction[] => {
  const all = dockerfile.getInstructions();
  const start = all.indexOf(from) + 1;
  const next = all.findIndex((i, index) => index >= start && i.getKeyword() === 'FROM');
  return all.slice(start, next < 0 ? undefined : next);
};
const finalInstructions = (): Instruction[] => stage(finalStage);
const stageNames = new Set(froms.map((from) => from.getBuildStage()).filter((name) => name !== null));
const baseImages = (): From[] => froms.filter((from) => !stageNames.has(from.getImage() ?? ''));

describe('Dockerfile', () => {
  it('builds in stages, each from one pinned Node LTS slim base (an exact version, never latest)', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const images = new Set(baseImages().map((from) => from.getImage()));
    expect(images.size).toBe(1);
    for (const from of baseImages()) {
      expect(from.getImageName()).toBe('node');
      const tag = from.getImageTag() ?? '';
      expect(tag).not.toMatch(/latest/);
      expect(tag).toMatch(/^\d+\.\d+\.\d+-(bookworm|trixie)-slim$/);
      expect(Number(tag.split('.')[0]) % 2).toBe(0); // even majors become LTS
    }
  });

  it('builds with every dependency and ships production dependencies only, without npm', () => {
    const runs = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(runs).toEqual(expect.arrayContaining([expect.stringMatching(/npm run build/)]));
    expect(runs).toEqual(expect.arrayContaining([expect.stringMatching(/npm ci\b.*--omit=dev/)]));
    const final = finalInstructions();
    // the final stage installs nothing itself: node_modules comes from the --omit=dev stage, dist/ from the build
    const finalRuns = final.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    for (const run of finalRuns) expect(run).not.toMatch(/npm (ci|install)|apt-get install/);
    expect(finalRuns.join('\n')).toMatch(/rm -rf .*\/usr\/local\/lib\/node_modules/); // npm and npx with it
    const copies = final.filter((i) => i.getKeyword() === 'COPY').map((i) => i.getArgumentsContent() ?? '');
    const omitDevStage = froms.find((from) =>
      stage(from).some((i) => i.getKeyword() === 'RUN' && /--omit=dev/.test(i.getArgumentsContent() ?? '')),
    );
    expect(read('Dockerfile')).toMatch(
      new RegExp(`COPY --from=${omitDevStage?.getBuildStage() ?? '(none)'}\\b.* /app/node_modules`),
    );
    expect(copies).not.toEqual(expect.arrayContaining([expect.stringMatching(/^\.\s/)])); // no `COPY . .`
  });

  it('runs as a non-root user in the final stage', () => {
    const users = finalInstructions().filter((i) => i.getKeyword() === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users[users.length - 1].getArgumentsContent() ?? '').split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('has an entrypoint that runs any service or the migrations', () => {
    const entrypoints = finalInstructions().filter((i) => i.getKeyword() === 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    const [program] = JSON.parse(entrypoints[0].getArgumentsContent() ?? '[]') as string[];
    expect(read('Dockerfile')).toMatch(new RegExp(`COPY .*docker/entrypoint.sh ${program}\\n`));
  });

  it('keeps local secrets, build output and node_modules out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    expect(ignore[ignore.findIndex((line) => !line.startsWith('#') && line.trim() !== '')]).toBe('*');
    for (const path of ['.infra.env', '.stack', 'dist', 'node_modules', '.git']) {
      expect(ignore).not.toContain(`!${path}`);
    }
  });

  it('every production dependency supports Node 20 and the Node of the image (no engines: any)', () => {
    const imageVersion = (baseImages()[0].getImageTag() ?? '').split('-')[0];
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
    };
    const unsupported: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev === true || Array.isArray(entry.engines)) continue;
      const range = entry.engines?.node;
      if (range === undefined) continue;
      for (const version of [NODE_20, imageVersion]) {
        if (!semver.satisfies(version, range)) unsupported.push(`${path} (node ${range}) on ${version}`);
      }
    }
    expect(unsupported).toEqual([]);
    // the direct ones, as installed (the lock file is what `npm ci` installs; this catches a stale one)
    const manifest = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies)) {
      const installed = JSON.parse(read(`node_modules/${name}/package.json`)) as { engines?: { node?: string } };
      const range = installed.engines?.node;
      if (range === undefined) continue;
      expect({ name, node20: semver.satisfies(NODE_20, range) }).toEqual({ name, node20: true });
      expect({ name, image: semver.satisfies(imageVersion, range) }).toEqual({ name, image: true });
    }
  });
});

/** Every file the image runs: the apps' and libs' code (not their tests) and the migration command. */
function shippedSources(): string[] {
  const files: string[] = ['scripts/migrate.ts', 'scripts/migration-directories.ts'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|spec-support)\.ts$/.test(path)) files.push(path);
    }
  };
  walk('apps');
  walk('libs');
  return files;
}

describe("the image's node_modules (npm ci --omit=dev)", () => {
  it('holds every package the shipped code loads: none of them is a devDependency', () => {
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const loaded =
      /^(?:import|export)(?! type)[^;]*?from '([^'.][^']*)'|^import '([^'.][^']*)'|require\('([^'.][^']*)'\)|import\('([^'.][^']*)'\)/gm;
    const missing: string[] = [];
    for (const file of shippedSources()) {
      for (const match of read(file).matchAll(loaded)) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
        if (specifier.startsWith('node:') || specifier.startsWith('@payment-ledger/')) continue;
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        if (builtinModules.includes(name) || name in dependencies) continue;
        missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('docker/entrypoint.sh', () => {
  let home: string;
  const run = (args: string[], env: Record<string, string> = {}) => {
    try {
      const stdout = execFileSync('sh', [join(ROOT, 'docker', 'entrypoint.sh'), ...args], {
        env: { PATH: process.env.PATH, PAYMENT_LEDGER_HOME: home, ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { status: 0, stdout, stderr: '' };
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(() => {
    // a stand-in for the image's /app: each main.js prints what it was started as
    home = mkdtempSync(join(tmpdir(), 'entrypoint-'));
    const script = (file: string) => {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(
        file,
        `console.log(JSON.stringify([require('path').relative(process.cwd(), __filename), ...process.argv.slice(2)]));\n`,
      );
      chmodSync(file, 0o644);
    };
    for (const name of Object.keys(SERVICE_REGISTRY)) script(join(home, 'dist', 'apps', name, 'src', 'main.js'));
    script(join(home, 'dist', 'scripts', 'migrate.js'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs the service named by its argument, or by SERVICE, or the migrations', () => {
    for (const name of Object.keys(SERVICE_REGISTRY)) {
      expect(JSON.parse(run([name]).stdout)).toEqual([`dist/apps/${name}/src/main.js`]);
      expect(JSON.parse(run([], { SERVICE: name }).stdout)).toEqual([`dist/apps/${name}/src/main.js`]);
    }
    expect(JSON.parse(run(['migrate']).stdout)).toEqual(['dist/scripts/migrate.js']);
    expect(JSON.parse(run(['migrate', 'show']).stdout)).toEqual(['dist/scripts/migrate.js', 'show']);
  });

  it('refuses an unknown service or none, naming the services', () => {
    const unknown = run(['nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown service "nope"');
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('charges');
  });
});
