// Three projects: `unit` (pure logic, *.spec.ts beside the code, and test/deploy/*.spec.ts: the Dockerfile, compose
// and k8s/ read statically), `integration` (*.int-spec.ts against the real PostgreSQL and Kafka named by DATABASE_URL
// / KAFKA_BROKERS, or Testcontainers when a Docker engine is present) and `e2e` (test/e2e/*.e2e-spec.ts: the services
// as separate processes, driven over HTTP and in headless chromium).
const moduleNameMapper = { '^@payment-ledger/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const infrastructure = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: [
        '<rootDir>/{apps,libs}/**/*.spec.ts',
        '<rootDir>/test/deploy/**/*.spec.ts',
        '<rootDir>/test/faults/**/*.spec.ts',
      ],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      moduleNameMapper,
      transform,
      ...infrastructure,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
      ...infrastructure,
    },
    {
      // The fault suite (test/faults/fault-suite.ts): its own PostgreSQL cluster and Kafka broker, no shared servers.
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
      moduleNameMapper,
      transform,
    },
  ],
};
