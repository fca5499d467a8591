import { ConfigError, loadConfig } from '@payment-ledger/platform';
import { rpcConfigSchema } from './rpc.config';

describe('RPC config', () => {
  it('refuses to start without RPC_SIGNING_SECRETS (no default)', () => {
    expect(() => loadConfig(rpcConfigSchema, {})).toThrow(ConfigError);
    expect(() => loadConfig(rpcConfigSchema, {})).toThrow('RPC_SIGNING_SECRETS is required');
  });

  it('refuses a secret shorter than 32 characters, including a second one', () => {
    expect(() => loadConfig(rpcConfigSchema, { RPC_SIGNING_SECRETS: 'short' })).toThrow('at least 32 characters');
    expect(() => loadConfig(rpcConfigSchema, { RPC_SIGNING_SECRETS: `${'a'.repeat(32)},tooshort` })).toThrow(
      'at least 32 characters',
    );
  });

  it('reads several secrets (the first signs) and a 1 MiB frame limit by default', () => {
    const config = loadConfig(rpcConfigSchema, { RPC_SIGNING_SECRETS: ` ${'a'.repeat(32)} , ${'b'.repeat(40)} ` });
    expect(config.RPC_SIGNING_SECRETS).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
    expect(config.RPC_MAX_FRAME_BYTES).toBe(1_048_576);
  });
});
