import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { liveModeAvailable, type MerchantContext, newId } from '@payment-ledger/contracts';
import type { Pool } from 'pg';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { GATEWAY_ENTITIES } from '../gateway-entities';
import { ApiKeyEntity } from './api-key.entity';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './api-key';
import { MerchantEntity } from './merchant.entity';

/**
 * Merchants and their API keys (the gateway's own tables), through their TypeORM repositories. The key lookup runs
 * only when ApiKeyGuard's cache misses (once per key per API_KEY_CACHE_TTL_MS), so the ORM is off the hot path.
 */
@Injectable()
export class MerchantRepository {
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
        apiKeyId: newId('event').replace('evt_', 'key_'),
        merchantId: merchant.id,
        keyHash: hashApiKey(apiKey),
        keyPrefix: apiKeyPrefix(apiKey),
      });
    });
    return { merchant, apiKey };
  }

  /** The merchant of an API key that exists and is not revoked (one statement: keys joined to merchants). */
  async findByApiKey(key: string): Promise<MerchantContext | undefined> {
    const row = await this.apiKeys
      .createQueryBuilder('key')
      .innerJoinAndSelect('key.merchant', 'merchant')
      .where('key.keyHash = :hash', { hash: hashApiKey(key) })
      .andWhere('key.revokedAt IS NULL')
      .getOne();
    const merchant = row?.merchant;
    return merchant && { id: merchant.merchantId, name: merchant.name, mode: merchant.mode };
  }

  /** Revokes a key: from then on it is refused (after ApiKeyGuard's cache entry, if any, runs out). */
  async revokeApiKey(apiKeyId: string, at: Date): Promise<boolean> {
    const { affected } = await this.apiKeys.update({ apiKeyId, revokedAt: IsNull() }, { revokedAt: at });
    return affected === 1;
  }
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
