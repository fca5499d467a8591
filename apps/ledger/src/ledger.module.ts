import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '@payment-ledger/messaging';
import { InfrastructureModule, type ServiceModuleOptions } from '@payment-ledger/platform';
import { LedgerQueries } from './application/ledger-queries';
import { LedgerController } from './infrastructure/ledger.controller';
import { LEDGER_ENTITIES } from './infrastructure/ledger.entities';
import { LedgerProjection } from './infrastructure/ledger.projection';
import type { LedgerConfig } from './ledger.config';

/**
 * The ledger service: keeps the double-entry ledger from the event log (every service's money-moving events, read
 * from the store by the projection runner, not from Kafka) and answers the merchant's balances and entries. It owns
 * no stream and writes no event.
 */
@Module({})
export class LedgerModule {
  static forRoot(config: LedgerConfig, options: ServiceModuleOptions = {}): DynamicModule {
    return {
      module: LedgerModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'ledger', config, ...options }),
        TypeOrmModule.forFeature(LEDGER_ENTITIES),
        MessagingModule.forRoot({ projections: [LedgerProjection] }),
      ],
      controllers: [LedgerController],
      providers: [LedgerQueries],
    };
  }
}
