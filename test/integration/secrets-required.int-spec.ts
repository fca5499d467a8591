/**
 * A service that signs hosted-page links refuses to start without its secret (SANDBOX_SIGNING_SECRET has no
 * default): the process ends with a start-up error naming the variable, before it listens or connects anywhere.
 */
import { spawnTsProcess } from '../support/processes';
import { TEST_RPC_SIGNING_SECRET } from '../support/rpc-secrets';

function exitOf(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnTsProcess(entry, env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe.each(['charges', 'agreements'])('the %s service without SANDBOX_SIGNING_SECRET', (name) => {
  it('refuses to start, naming the variable', async () => {
    const { code, output } = await exitOf(`apps/${name}/src/main.ts`, {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      KAFKA_BROKERS: '127.0.0.1:1',
      RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
      SANDBOX_SIGNING_SECRET: '', // empty counts as unset, whatever the environment of the test holds
    });
    expect(code).toBe(1);
    expect(output).toContain(`${name}.start_failed`);
    expect(output).toContain('SANDBOX_SIGNING_SECRET is required');
    expect(output).not.toContain(`${name}.listening`);
  }, 60_000);
});
