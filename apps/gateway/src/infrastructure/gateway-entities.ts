import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { ApiKeyEntity } from './merchants/api-key.entity';
import { MerchantEntity } from './merchants/merchant.entity';

/** The gateway's TypeORM entities: registered with TypeOrmModule.forFeature, and by the merchant CLI. */
export const GATEWAY_ENTITIES = [MerchantEntity, ApiKeyEntity, IdempotencyKeyEntity];
