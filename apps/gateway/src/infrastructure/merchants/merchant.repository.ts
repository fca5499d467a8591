import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { liveModeAvailable, type MerchantContext, newId } from '@payment-ledger/contracts';
import type { Pool } from 'pg';
import { DataSource, type EntityManager, IsNull, type Repository } from 'typeorm';
import type { ApiKeyStore, NewApiKey } from '../../application/api-keys/api-key-store';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../application/api-keys/api-key-secret';
import type { ApiKeyRecord } from '../../domain/api-key';
import { GATEWAY_ENTITIES } from '../gateway-entities';
import { ApiKeyEntity } from './api-key.entity';
import { MerchantEntity } from './merchant.entity';

/**
 * The channel on which a change to a key (rotated out, revoked) is announced, with the key's SHA-256 in base64 as
 * the payload: running gateways drop it from their caches (ApiKeyChanges). PostgreSQL delivers a notification when
 * its transaction commits, and only then.
 */
export const API_KEY_CHANGES_CHANNEL = 'api_key_changed';

/** A key as the gateway's guard needs it: whose it is and whether it may still be used. */
export interface ApiKeyLookup {
  merchant: MerchantContext;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Merchants and their API keys (the gateway's own tables), through their TypeORM repositories. The key lookup runs
 * only when ApiKeyGuard's cache misses (once per key per API_KEY_CACHE_TTL_MS, or after the key changed), so the ORM
 * is off the hot path. It is also the ApiKeyStore of the key use cases (rotate, revoke, list).
 */
@Injectable()
export class MerchantRepository implements ApiKeyStore {
  constructor(
    @InjectRepository(MerchantEntity) private readonly merchants: Repository<MerchantEntity>,
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
  ) {}

  /**
   * Creates a merchant with one API key, in one transaction; the key is returned here and never again. A live
   * merchant is refused while no payment method has a live provider (`liveModeAvailable`).
   */
  async create(name: string, mode: 'SANDBOX' | 'LIVE'): Promise<{ merchant: MerchantContext; apiKey: string }> {
    if (mode === 'LIVE' && !liveModeAvailable()) {
      throw new Error('Live merchants cannot be created yet: no live payment provider is connected (sandbox only)');
    }
    const merchant: MerchantContext = { id: newId('merchant'), name, mode };
    const apiKey = generateApiKey(mode);
    await this.merchants.manager.transaction(async (manager) => {
      await manager.insert(MerchantEntity, { merchantId: merchant.id, name, mode });
      await manager.insert(ApiKeyEntity, {
        apiKeyId: newId('apiKey'),
        merchantId: merchant.id,
        keyHash: hashApiKey(apiKey),
        keyPrefix: apiKeyPrefix(apiKey),
      });
    });
    return { merchant, apiKey };
  }

  /** An API key's merchant, expiry and revocation (one statement: keys joined to merchants); undefined if unknown. */
  async findByApiKey(key: string): Promise<ApiKeyLookup | undefined> {
    const row = await this.apiKeys
      .createQueryBuilder('key')
      .innerJoinAndSelect('key.merchant', 'merchant')
      .where('key.keyHash = :hash', { hash: hashApiKey(key) })
      .getOne();
    const merchant = row?.merchant;
    if (!row || !merchant) return undefined;
    return {
      merchant: { id: merchant.merchantId, name: merchant.name, mode: merchant.mode },
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
    };
  }

  async merchantMode(merchantId: string): Promise<'SANDBOX' | 'LIVE' | undefined> {
    return (await this.merchants.findOneBy({ merchantId }))?.mode;
  }

  async rotate(merchantId: string, key: NewApiKey, oldKeysExpireAt: Date): Promise<ApiKeyRecord[]> {
    return this.apiKeys.manager.transaction(async (manager) => {
      // Locks the merchant's row: two rotations at once queue up instead of each missing the other's new key.
      await manager
        .getRepository(MerchantEntity)
        .findOne({ where: { merchantId }, lock: { mode: 'pessimistic_write' } });
      const old = await manager
        .getRepository(ApiKeyEntity)
        .createQueryBuilder()
        .update()
        .set({ expiresAt: oldKeysExpireAt })
        .where('merchant_id = :merchantId AND revoked_at IS NULL', { merchantId })
        // A rotation never lengthens an overlap already running.
        .andWhere('(expires_at IS NULL OR expires_at > :at)', { at: oldKeysExpireAt })
        .returning('*')
        .execute();
      await announce(
        manager,
        (old.raw as { key_hash: Buffer }[]).map((r) => r.key_hash),
      );
      await manager.insert(ApiKeyEntity, { ...key, merchantId });
      const previous = await manager
        .getRepository(ApiKeyEntity)
        .find({ where: { merchantId }, order: { createdAt: 'ASC', apiKeyId: 'ASC' } });
      return previous.filter((k) => k.apiKeyId !== key.apiKeyId && k.revokedAt === null).map(toRecord);
    });
  }

  async revoke(apiKeyId: string, at: Date): Promise<ApiKeyRecord | undefined> {
    return this.apiKeys.manager.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      await keys.update({ apiKeyId, revokedAt: IsNull() }, { revokedAt: at });
      const key = await keys.findOneBy({ apiKeyId });
      if (key) await announce(manager, [key.keyHash]);
      return key ? toRecord(key) : undefined;
    });
  }

  async list(merchantId: string): Promise<ApiKeyRecord[]> {
    const keys = await this.apiKeys.find({ where: { merchantId }, order: { createdAt: 'ASC', apiKeyId: 'ASC' } });
    return keys.map(toRecord);
  }
}

/** Tells running gateways, when the transaction commits, that these keys changed. */
async function announce(manager: EntityManager, keyHashes: Buffer[]): Promise<void> {
  for (const hash of keyHashes) {
    await manager.query('SELECT pg_notify($1, $2)', [API_KEY_CHANGES_CHANNEL, hash.toString('base64')]);
  }
}

function toRecord(key: ApiKeyEntity): ApiKeyRecord {
  return {
    apiKeyId: key.apiKeyId,
    merchantId: key.merchantId,
    keyPrefix: key.keyPrefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
  };
}

/**
 * The merchant CLI and test tooling: a merchant with one API key, through the gateway's entities. Given a pg Pool
 * (the tests' and benchmarks' databases), a one-connection DataSource to the same database is opened for the call.
 */
export async function createMerchant(
  database: DataSource | Pool,
  name: string,
  mode: 'SANDBOX' | 'LIVE',
): Promise<{ merchant: MerchantContext; apiKey: string }> {
  if (database instanceof DataSource) {
    const repository = new MerchantRepository(
      database.getRepository(MerchantEntity),
      database.getRepository(ApiKeyEntity),
    );
    return repository.create(name, mode);
  }
  const dataSource = await gatewayDataSource(database.options.connectionString as string).initialize();
  try {
    return await createMerchant(dataSource, name, mode);
  } finally {
    await dataSource.destroy();
  }
}

/** A DataSource of the gateway's entities outside Nest (the merchant CLI): one connection, no schema changes. */
export function gatewayDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: 1,
    applicationName: 'gateway-cli',
    entities: GATEWAY_ENTITIES,
    synchronize: false,
  });
}
