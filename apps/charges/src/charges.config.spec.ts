import { ConfigError, loadConfig } from '@payment-ledger/platform';
import { chargesConfigSchema } from './charges.config';

const valid = {
  DATABASE_URL: 'postgres://u@h:5432/db',
  KAFKA_BROKERS: 'kafka:9092',
  RPC_SIGNING_SECRETS: 'r'.repeat(32),
  SANDBOX_SIGNING_SECRET: 's'.repeat(32),
};

describe('the charges config', () => {
  it('takes a hosted-page signing secret of at least 32 characters', () => {
    expect(loadConfig(chargesConfigSchema, valid).SANDBOX_SIGNING_SECRET).toBe('s'.repeat(32));
  });

  it.each([
    ['missing', undefined, 'SANDBOX_SIGNING_SECRET is required'],
    ['empty', '', 'SANDBOX_SIGNING_SECRET is required'],
    ['too short', 's'.repeat(31), 'SANDBOX_SIGNING_SECRET must be at least 32 characters'],
  ])(
    'refuses a %s SANDBOX_SIGNING_SECRET (no default: a public one would let anyone forge a link)',
    (_, value, message) => {
      const load = () => loadConfig(chargesConfigSchema, { ...valid, SANDBOX_SIGNING_SECRET: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(message);
    },
  );
});
