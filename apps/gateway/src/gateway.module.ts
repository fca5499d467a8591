import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { CHARGES_PATTERNS } from '@payment-ledger/contracts';
import { type Clock, InfrastructureModule } from '@payment-ledger/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { HealthController } from './infrastructure/http/health.controller';
import { HttpErrorFilter } from './infrastructure/http/http-error.filter';
import { Idempotency } from './infrastructure/idempotency/idempotency';
import { IdempotencyInterceptor } from './infrastructure/idempotency/idempotency.interceptor';
import { IdempotencyRepository } from './infrastructure/idempotency/idempotency.repository';
import { ApiKeyGuard } from './infrastructure/merchants/api-key.guard';
import { MerchantRepository } from './infrastructure/merchants/merchant.repository';
import { PaymentAgreementsController } from './infrastructure/payment-agreements/payment-agreements.controller';
import {
  AgreementsClient,
  ChargesClient,
  SchedulerClient,
  ServiceClient,
} from './infrastructure/services/service.client';
import { PaymentChargesController } from './infrastructure/payment-charges/payment-charges.controller';

function tcpClient(host: string, port: number, config: GatewayConfig, coalesced?: Record<string, string>) {
  const proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host, port } });
  return new ServiceClient(proxy, config.SERVICE_CALL_TIMEOUT_MS, coalesced);
}

/** The public HTTP API: authenticates merchants, keeps idempotency keys, routes commands to the owning service. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [InfrastructureModule.forRoot({ service: 'gateway', config, clock: options.clock })],
      controllers: [PaymentChargesController, PaymentAgreementsController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: ChargesClient,
          // Creates arriving together (the hot path) go to the charges service as one message.
          useFactory: () =>
            tcpClient(config.CHARGES_TCP_HOST, config.CHARGES_TCP_PORT, config, {
              [CHARGES_PATTERNS.create]: CHARGES_PATTERNS.createMany,
            }),
        },
        {
          provide: AgreementsClient,
          useFactory: () => tcpClient(config.AGREEMENTS_TCP_HOST, config.AGREEMENTS_TCP_PORT, config),
        },
        {
          provide: SchedulerClient,
          useFactory: () => tcpClient(config.SCHEDULER_TCP_HOST, config.SCHEDULER_TCP_PORT, config),
        },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        MerchantRepository,
        ApiKeyGuard,
        IdempotencyRepository,
        Idempotency,
        IdempotencyInterceptor,
      ],
    };
  }
}
