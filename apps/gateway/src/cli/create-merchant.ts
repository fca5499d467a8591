/**
 * `npm run merchant:create -- --name "Acme" [--live]`: creates a merchant and prints its API key, once, and its default
 * webhook signing secret (it signs the webhooks sent to its charges' and agreements' own webhooksUrl), once, when
 * WEBHOOK_SECRETS_KEY is set (the webhooks service's records, made with its own code; without the key, the merchant
 * gets its first with POST /v1/webhook-signing-secret/rotations, and deliveries to its webhooksUrl wait for it).
 * Only the key's digest is stored: a lost key is replaced, never recovered.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { env, loadConfig } from '@payment-ledger/platform';
import { DataSource } from 'typeorm';
import { MerchantSigningSecrets } from '../../../webhooks/src/application/merchant-signing-secrets';
import { SecretBox } from '../../../webhooks/src/infrastructure/secret-box';
import { WebhookMerchantSecretEntity } from '../../../webhooks/src/infrastructure/webhook.entities';
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
  const config = loadConfig({
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    WEBHOOK_SECRETS_KEY: env.string({ default: '' }),
  });
  const dataSource = await gatewayDataSource(config.DATABASE_URL).initialize();
  try {
    const { merchant, apiKey } = await createMerchant(dataSource, name, values.live ? 'LIVE' : 'SANDBOX');
    const webhookSigningSecret = config.WEBHOOK_SECRETS_KEY
      ? await createSigningSecret(config.DATABASE_URL, config.WEBHOOK_SECRETS_KEY, merchant.id)
      : null;
    if (values.json) {
      console.log(JSON.stringify({ merchantId: merchant.id, mode: merchant.mode, apiKey, webhookSigningSecret }));
    } else {
      console.log(`merchant ${merchant.id} (${merchant.mode})\nAPI key (shown once): ${apiKey}`);
      if (webhookSigningSecret) console.log(`webhook signing secret (shown once): ${webhookSigningSecret}`);
    }
  } finally {
    await dataSource.destroy();
  }
}

/** The merchant's default webhook signing secret, made as the webhooks service makes it (MerchantSigningSecrets). */
async function createSigningSecret(url: string, secretsKey: string, merchantId: string): Promise<string | null> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    poolSize: 1,
    applicationName: 'gateway-cli',
    entities: [WebhookMerchantSecretEntity],
    synchronize: false,
  }).initialize();
  try {
    const secrets = new MerchantSigningSecrets(
      dataSource.getRepository(WebhookMerchantSecretEntity),
      new SecretBox(secretsKey),
      { now: () => new Date() },
      0,
    );
    return await secrets.create(merchantId);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
