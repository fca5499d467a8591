import { CHARGE_SETTLEMENT_EVENT_TYPES } from '@payment-ledger/contracts';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '@payment-ledger/messaging';
import {
  AmazonPaySandboxProvider,
  PAYMENT_METHOD_PROVIDER,
  PostgresSandboxProviderRecords,
  SANDBOX_RECORD_ENTITIES,
} from '@payment-ledger/payment-methods';
import { CLOCK, type Clock, InfrastructureModule, PG_POOL, type ServiceModuleOptions } from '@payment-ledger/platform';
import { HousekeepingModule } from '@payment-ledger/timers';
import { rpcClientProviders } from '@payment-ledger/rpc';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AGREEMENTS_CONFIG, type AgreementsConfig } from './agreements.config';
import { AgreementRepository } from './application/agreement-repository';
import { ChargeAgreementHandler } from './application/charge-agreement.handler';
import { ChargesGateway } from './application/charges.gateway';
import { CompleteAgreementCheckoutHandler } from './application/complete-agreement-checkout.handler';
import { CreateAgreementHandler } from './application/create-agreement.handler';
import { ListAgreementsQuery } from './application/list-agreements.query';
import { AgreementListViewEntity } from './infrastructure/agreement-list-view.entity';
import { ManageAgreementHandler } from './application/manage-agreement.handler';
import { AgreementChargeDispatcher } from './infrastructure/agreement-charge.dispatcher';
import { AgreementChargeOutcomesConsumer } from './infrastructure/agreement-charge-outcomes.consumer';
import { AgreementListProjection } from './infrastructure/agreement-list.projection';
import { AgreementsController } from './infrastructure/agreements.controller';

/** Shared by the service's own providers and the Kafka consumers' handlers (which live in MessagingModule). */
@Module({})
class AgreementsCoreModule {
  static forRoot(config: AgreementsConfig): DynamicModule {
    const providers = [
      { provide: AGREEMENTS_CONFIG, useValue: config },
      ...rpcClientProviders('agreements', config),
      {
        provide: PAYMENT_METHOD_PROVIDER,
        inject: [PG_POOL, DataSource, CLOCK],
        useFactory: (pool: Pool, dataSource: DataSource, clock: Clock) =>
          new AmazonPaySandboxProvider(
            {
              hostedPageBaseUrl: config.SANDBOX_PUBLIC_URL,
              signingSecret: config.SANDBOX_SIGNING_SECRET,
              linkTtlMs: config.SANDBOX_LINK_TTL_MS,
              asyncAuthorizationDelayMs: 30_000,
              clock,
            },
            new PostgresSandboxProviderRecords(pool, dataSource),
          ),
      },
      AgreementRepository,
      ChargesGateway,
    ];
    return {
      module: AgreementsCoreModule,
      imports: [MessagingModule.forRoot(), TypeOrmModule.forFeature(SANDBOX_RECORD_ENTITIES)],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

/** The agreements service: owns `agreement` streams; asks the charges service for charges under them. */
@Module({})
export class AgreementsModule {
  static forRoot(config: AgreementsConfig, options: ServiceModuleOptions = {}): DynamicModule {
    const core = AgreementsCoreModule.forRoot(config);
    return {
      module: AgreementsModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'agreements', config, ...options }),
        HousekeepingModule.forService('agreements', config),
        TypeOrmModule.forFeature([AgreementListViewEntity]),
        core,
        MessagingModule.forRoot(
          {
            relay: { name: 'agreements', streamTypes: ['agreement'] },
            projections: [AgreementListProjection],
            imports: [core],
          },
          [
            {
              name: 'agreements-charge-outcomes',
              streamTypes: ['charge'],
              eventTypes: CHARGE_SETTLEMENT_EVENT_TYPES,
              handler: AgreementChargeOutcomesConsumer,
            },
            {
              name: 'agreements-charge-dispatch',
              eventTypes: ['AgreementChargeRequested'],
              streamTypes: ['agreement'],
              handler: AgreementChargeDispatcher,
              maxAttempts: 20,
            },
          ],
        ),
      ],
      controllers: [AgreementsController],
      providers: [
        CreateAgreementHandler,
        CompleteAgreementCheckoutHandler,
        ChargeAgreementHandler,
        ManageAgreementHandler,
        ListAgreementsQuery,
      ],
    };
  }
}
