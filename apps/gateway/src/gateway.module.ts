import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CHARGES_PATTERNS, REFUNDS_PATTERNS } from '@payment-ledger/contracts';
import { HealthModule, InfrastructureModule, opsAddress, type ServiceModuleOptions } from '@payment-ledger/platform';
import { HousekeepingModule } from '@payment-ledger/timers';
import { rpcClientProviders, rpcClientToken, type RpcClient } from '@payment-ledger/rpc';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { GATEWAY_ENTITIES } from './infrastructure/gateway-entities';
import { HttpErrorFilter } from './infrastructure/http/http-error.filter';
import { Idempotency } from './infrastructure/idempotency/idempotency';
import { IdempotencyInterceptor } from './infrastructure/idempotency/idempotency.interceptor';
import { IdempotencyRepository } from './infrastructure/idempotency/idempotency.repository';
import { ApiKeyChanges } from './infrastructure/merchants/api-key-changes';
import { ApiKeyGuard } from './infrastructure/merchants/api-key.guard';
import { MerchantRepository } from './infrastructure/merchants/merchant.repository';
import { PaymentAgreementsController } from './infrastructure/payment-agreements/payment-agreements.controller';
import {
  AgreementsClient,
  ChargesClient,
  LedgerClient,
  RefundsClient,
  SchedulerClient,
  ServiceClient,
  WebhooksClient,
} from './infrastructure/services/service.client';
import { PaymentChargesController } from './infrastructure/payment-charges/payment-charges.controller';
import { ProviderNotificationsController } from './infrastructure/provider-notifications/provider-notifications.controller';
import { PaymentChargeRefundsController } from './infrastructure/refunds/payment-charge-refunds.controller';
import { RefundsController } from './infrastructure/refunds/refunds.controller';
import { SandboxChargebacksController } from './infrastructure/refunds/sandbox-chargebacks.controller';
import { WebhookEndpointsController } from './infrastructure/webhook-endpoints/webhook-endpoints.controller';
import { EventsController } from './infrastructure/events/events.controller';
import { LedgerController } from './infrastructure/ledger/ledger.controller';
import { WebhookSigningSecretController } from './infrastructure/webhook-endpoints/webhook-signing-secret.controller';

/** The public HTTP API: authenticates merchants, keeps idempotency keys, routes commands to the owning service. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, options: ServiceModuleOptions = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'gateway', config, ...options }),
        HousekeepingModule.forService('gateway', config),
        TypeOrmModule.forFeature(GATEWAY_ENTITIES),
        // /health/live and /health/ready (Kubernetes probes; never rate-limited, see address-rate-limit.ts); requests
        // counted by route; /metrics on the ops port (GATEWAY_OPS_PORT), which the Ingress does not expose.
        HealthModule.forHttp(opsAddress('gateway', config)),
      ],
      controllers: [
        PaymentChargesController,
        PaymentChargeRefundsController,
        SandboxChargebacksController,
        RefundsController,
        PaymentAgreementsController,
        WebhookEndpointsController,
        EventsController,
        WebhookSigningSecretController,
        ProviderNotificationsController,
        LedgerController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        ...rpcClientProviders('gateway', config),
        {
          provide: ChargesClient,
          inject: [rpcClientToken('charges')],
          // Creates arriving together (the hot path) go to the charges service as one message.
          useFactory: (client: RpcClient) =>
            new ServiceClient(client, { [CHARGES_PATTERNS.create]: CHARGES_PATTERNS.createMany }),
        },
        {
          provide: AgreementsClient,
          inject: [rpcClientToken('agreements')],
          useFactory: (client: RpcClient) => new ServiceClient(client),
        },
        {
          provide: SchedulerClient,
          inject: [rpcClientToken('scheduler')],
          useFactory: (client: RpcClient) => new ServiceClient(client),
        },
        {
          provide: RefundsClient,
          inject: [rpcClientToken('refunds')],
          // Refunds arriving together go to the refunds service as one message, as creates do.
          useFactory: (client: RpcClient) =>
            new ServiceClient(client, { [REFUNDS_PATTERNS.create]: REFUNDS_PATTERNS.createMany }),
        },
        {
          provide: WebhooksClient,
          inject: [rpcClientToken('webhooks')],
          useFactory: (client: RpcClient) => new ServiceClient(client),
        },
        {
          provide: LedgerClient,
          inject: [rpcClientToken('ledger')],
          useFactory: (client: RpcClient) => new ServiceClient(client),
        },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        MerchantRepository,
        ApiKeyChanges,
        ApiKeyGuard,
        IdempotencyRepository,
        Idempotency,
        IdempotencyInterceptor,
      ],
    };
  }
}
