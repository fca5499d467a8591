import { ConfigError, env, infrastructureConfigSchema, loadConfig } from './config';

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const config = loadConfig(infrastructureConfigSchema, {
      DATABASE_URL: 'postgres://u@h:5432/db',
      KAFKA_BROKERS: 'a:9092, b:9092',
    });
    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(config.DATABASE_POOL_SIZE).toBe(10);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('names every missing or bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig(infrastructureConfigSchema, { DATABASE_URL: 'mysql://x', DATABASE_POOL_SIZE: 'ten' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL must use one of: postgres, postgresql/);
    expect(problems).toMatch(/DATABASE_POOL_SIZE must be an integer/);
    expect(problems).toMatch(/KAFKA_BROKERS is required/);
  });

  it('checks bounds and enumerations', () => {
    expect(() => loadConfig({ N: env.int({ min: 1 }) }, { N: '0' })).toThrow(/N must be >= 1/);
    expect(() => loadConfig({ B: env.bool() }, { B: 'maybe' })).toThrow(/B must be true or false/);
    expect(loadConfig({ B: env.bool() }, { B: 'yes' }).B).toBe(true);
  });
});
