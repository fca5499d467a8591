/**
 * `npm run merchant:keys -- <command>`: a merchant's API keys, a thin adapter over the key use cases
 * (application/api-keys). The new key of a rotation is printed once; a listing shows ids, prefixes and dates only.
 *
 *   rotate <merchantId> [--overlap 24h]   a new key; the merchant's current keys keep working for the overlap
 *   revoke <keyId>                        the key is refused at once, also by running gateways
 *   list <merchantId>                     every key of the merchant, with its status
 *
 * `--json` prints the result as one JSON line. Changes reach running gateways when they commit (PostgreSQL NOTIFY),
 * so a revoked key is refused at once everywhere.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { env, loadConfig, systemClock } from '@payment-ledger/platform';
import { ApiKeyCommandRefused } from '../application/api-keys/api-key-store';
import { ListApiKeys } from '../application/api-keys/list-api-keys';
import { RevokeApiKey } from '../application/api-keys/revoke-api-key';
import { RotateApiKey } from '../application/api-keys/rotate-api-key';
import { ApiKeyEntity } from '../infrastructure/merchants/api-key.entity';
import { MerchantEntity } from '../infrastructure/merchants/merchant.entity';
import { gatewayDataSource, MerchantRepository } from '../infrastructure/merchants/merchant.repository';
import { parseDuration } from './duration';

const USAGE = `usage: npm run merchant:keys -- rotate <merchantId> [--overlap <duration, e.g. 24h, 15m; default 24h>] [--json]
       npm run merchant:keys -- revoke <keyId> [--json]
       npm run merchant:keys -- list <merchantId> [--json]`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { overlap: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [command, id, ...rest] = positionals;
  if (!['rotate', 'revoke', 'list'].includes(command) || !id || rest.length > 0) return usage();
  if (values.overlap !== undefined && command !== 'rotate') return usage();
  const overlapMs = values.overlap === undefined ? undefined : parseDuration(values.overlap);
  if (values.overlap !== undefined && overlapMs === undefined) return usage(`not a duration: ${values.overlap}`);

  const config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }) });
  const dataSource = await gatewayDataSource(config.DATABASE_URL).initialize();
  const store = new MerchantRepository(
    dataSource.getRepository(MerchantEntity),
    dataSource.getRepository(ApiKeyEntity),
  );
  const print = (json: unknown, text: string) => console.log(values.json ? JSON.stringify(json) : text);
  try {
    if (command === 'rotate') {
      const rotated = await new RotateApiKey(store, systemClock).execute({ merchantId: id, overlapMs });
      const previous = rotated.previousKeys.map((k) => `  ${k.apiKeyId} (${k.keyPrefix}…) expires ${iso(k.expiresAt)}`);
      print(
        rotated,
        [
          `merchant ${rotated.merchantId}: new key ${rotated.apiKeyId}`,
          `API key (shown once): ${rotated.apiKey}`,
          ...(previous.length > 0 ? ['previous keys:', ...previous] : []),
        ].join('\n'),
      );
    } else if (command === 'revoke') {
      const revoked = await new RevokeApiKey(store, systemClock).execute({ apiKeyId: id });
      print(revoked, `key ${revoked.apiKeyId} (${revoked.keyPrefix}…) revoked at ${iso(revoked.revokedAt)}`);
    } else {
      const keys = await new ListApiKeys(store, systemClock).execute({ merchantId: id });
      const rows = keys.map((k) =>
        [k.apiKeyId, `${k.keyPrefix}…`, k.status, iso(k.createdAt), iso(k.expiresAt), iso(k.revokedAt)].join('  '),
      );
      print(keys, ['key id  prefix  status  created  expires  revoked', ...rows].join('\n'));
    }
  } finally {
    await dataSource.destroy();
  }
}

function iso(date: Date | null): string {
  return date ? date.toISOString() : '-';
}

function usage(problem?: string): void {
  if (problem) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

main().catch((error) => {
  console.error(error instanceof ApiKeyCommandRefused || error instanceof Error ? error.message : error);
  process.exit(1);
});
