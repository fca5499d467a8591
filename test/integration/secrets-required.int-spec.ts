/**
 * No secret has a default (issue 15, point 7): every service refuses to start without each secret its config schema
 * reads (the fields made with `env.secret()`: RPC_SIGNING_SECRETS, SANDBOX_SIGNING_SECRET, WEBHOOK_SECRETS_KEY, …),
 * the process ending with a start-up error naming the variable, before it listens or connects anywhere. The
 * services and their secrets come from the service registry and the schemas (scripts/config-schemas.ts), so a new
 * service or secret is covered without a change here.
 */
import { availableParallelism } from 'node:os';
import {
  ConfigError,
  loadConfig,
  MIN_SECRET_LENGTH,
  SERVICE_REGISTRY,
  type ServiceName,
} from '@payment-ledger/platform';
import { configSchemaOf, secretSettingsOf } from '../../scripts/config-schemas';
import { spawnTsProcess } from '../support/processes';
import { TEST_RPC_SIGNING_SECRET, TEST_SANDBOX_SIGNING_SECRET, TEST_WEBHOOK_SECRETS_KEY } from '../support/rpc-secrets';

/** A valid value of each secret setting, so that only the one left out is missing. */
const TEST_SECRETS: Record<string, string> = {
  RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
  SANDBOX_SIGNING_SECRET: TEST_SANDBOX_SIGNING_SECRET,
  WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY,
};

const cases = (Object.keys(SERVICE_REGISTRY) as ServiceName[]).flatMap((name) =>
  secretSettingsOf(name).map((setting) => [name, setting] as const),
);

/** Processes starting at once: as many as there are cores (each spends its seconds loading its modules). */
let slots = Math.max(1, availableParallelism());
const waiting: (() => void)[] = [];
async function inSlot<T>(run: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else slots -= 1;
  try {
    return await run();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots += 1;
  }
}

function exitOf(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return inSlot(() => exitOfNow(entry, env));
}

function exitOfNow(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnTsProcess(entry, env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

it('covers every service, and a test value for each secret setting the schemas name', () => {
  expect(new Set(cases.map(([name]) => name))).toEqual(new Set(Object.keys(SERVICE_REGISTRY)));
  const settings = new Set(cases.map(([, setting]) => setting));
  expect([...settings].filter((setting) => !(setting in TEST_SECRETS))).toEqual([]);
  expect(settings).toEqual(new Set(['RPC_SIGNING_SECRETS', 'SANDBOX_SIGNING_SECRET', 'WEBHOOK_SECRETS_KEY']));
});

/** Where no server answers: a service that got past its config would fail differently (or hang). */
const NOWHERE = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', KAFKA_BROKERS: '127.0.0.1:1' };

/** The problems loadConfig reports for `env` against `name`'s schema (none: it loads). */
function configProblems(name: ServiceName, env: Record<string, string>): string[] {
  try {
    loadConfig(configSchemaOf(name), env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe.each(cases)('the %s service without %s', (name, setting) => {
  it('is refused at config validation, for that setting alone; a short value too', () => {
    expect(configProblems(name, { ...NOWHERE, ...TEST_SECRETS })).toEqual([]);
    const unset = configProblems(name, { ...NOWHERE, ...TEST_SECRETS, [setting]: '' });
    expect(unset).toEqual([expect.stringMatching(new RegExp(`^${setting} is required`))]);
    const blank = configProblems(name, { ...NOWHERE, ...TEST_SECRETS, [setting]: '   ' });
    expect(blank).toEqual(unset);
    const short = configProblems(name, { ...NOWHERE, ...TEST_SECRETS, [setting]: 'x'.repeat(MIN_SECRET_LENGTH - 1) });
    expect(short).toEqual([
      expect.stringMatching(new RegExp(`^${setting}\\b.* must be at least ${MIN_SECRET_LENGTH} characters`)),
    ]);
  });
});

// One process per service, every secret it reads left out: it exits at config validation, naming each. They run
// one per core at a time.
const services = [...new Set(cases.map(([name]) => name))];
it.concurrent.each(services)(
  'the %s service refuses to start without its secrets, naming each, before it listens',
  async (name) => {
    const settings = secretSettingsOf(name);
    const { code, output } = await exitOf(`apps/${name}/src/main.ts`, {
      ...NOWHERE,
      ...TEST_SECRETS,
      // empty counts as unset, whatever the environment of the test holds
      ...Object.fromEntries(settings.map((setting) => [setting, ''])),
    });
    expect({ code, startFailed: output.includes(`${name}.start_failed`) }).toEqual({ code: 1, startFailed: true });
    for (const setting of settings) expect(output).toContain(`${setting} is required`);
    expect(output).not.toContain(`${name}.listening`);
  },
  300_000,
);
