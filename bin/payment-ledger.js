#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry run by node as is, before any build */
'use strict';
// The analysts' CLI (apps/ledger/src/cli/main.ts): the built code when `npm run build` has made it, else the
// TypeScript source through ts-node (a checkout without a build). Settings come from the environment only.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'apps', 'ledger', 'src', 'cli', 'main.js');

if (existsSync(built)) {
  require(built).main();
} else {
  require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
  // The @payment-ledger/* paths from the root's tsconfig.json, wherever the command is run from.
  const tsconfigPaths = require('tsconfig-paths');
  const { absoluteBaseUrl, paths } = tsconfigPaths.loadConfig(root);
  tsconfigPaths.register({ baseUrl: absoluteBaseUrl, paths });
  require(join(root, 'apps', 'ledger', 'src', 'cli', 'main.ts')).main();
}
