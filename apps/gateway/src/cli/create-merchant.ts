/**
 * `npm run merchant:create -- --name "Acme" [--live]`: creates a merchant and prints its API key, once.
 * Only the key's digest is stored: a lost key is replaced, never recovered.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { env, loadConfig } from '@payment-ledger/platform';
import { createMerchant, gatewayDataSource } from '../infrastructure/merchants/merchant.repository';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      live: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const name = values.name?.trim();
  if (!name) {
    console.error('usage: npm run merchant:create -- --name "<merchant name>" [--live] [--json]');
    process.exit(2);
  }
  const config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }) });
  const dataSource = await gatewayDataSource(config.DATABASE_URL).initialize();
  try {
    const { merchant, apiKey } = await createMerchant(dataSource, name, values.live ? 'LIVE' : 'SANDBOX');
    if (values.json) console.log(JSON.stringify({ merchantId: merchant.id, mode: merchant.mode, apiKey }));
    else console.log(`merchant ${merchant.id} (${merchant.mode})\nAPI key (shown once): ${apiKey}`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
