import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'test/contract/merchant-program.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        module: 'writable',
        require: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // The event store's core is pure: no framework, no I/O.
    files: ['libs/event-store/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'pg', 'kafkajs', 'express'] }],
    },
  },
  {
    // Domain code imports only the domain kernel, the contracts and its own folder (relative paths that stay in it).
    files: ['apps/*/src/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@payment-ledger/(domain-kernel|contracts)$|\\./)',
              message:
                'Domain code imports only @payment-ledger/domain-kernel, @payment-ledger/contracts and ./ paths.',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain tests may use test tools (fast-check, the in-memory store), still no framework and no I/O.
    files: ['apps/*/src/domain/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'pg', 'kafkajs', 'express'] }],
    },
  },
  {
    // The ledger's rules are pure like domain code: only the contracts and its own files.
    files: ['libs/ledger/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@payment-ledger/contracts$|\\./)',
              message: 'The ledger library imports only @payment-ledger/contracts and ./ paths.',
            },
          ],
        },
      ],
    },
  },
  {
    // The kernel is a leaf: it imports nothing (its index re-exports its own files).
    files: ['libs/domain-kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'The domain kernel is a leaf: it imports nothing.' }] },
      ],
    },
  },
  {
    // Contracts are plain TypeScript every service and tool can import: no framework, no I/O clients.
    files: ['libs/contracts/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@nestjs/|pg$|kafkajs$|express$|@payment-ledger/)',
              message: 'Contracts import no framework, no I/O client and no other library.',
            },
          ],
        },
      ],
    },
  },
  {
    // Config is read once by libs/platform; nothing else reads process.env.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/platform/src/config/**', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @payment-ledger/platform config.' },
      ],
    },
  },
);
