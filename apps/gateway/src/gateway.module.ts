import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { type Clock, InfrastructureModule } from '@payment-ledger/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { HealthController } from './infrastructure/http/health.controller';
import { HttpErrorFilter } from './infrastructure/http/http-error.filter';
import { IdempotencyInterceptor } from './infrastructure/idempotency/idempotency.interceptor';
import { IdempotencyRepository } from './infrastructure/idempotency/idempotency.repository';
import { ApiKeyGuard } from './infrastructure/merchants/api-key.guard';
import { MerchantRepository } from './infrastructure/merchants/merchant.repository';
import { CHARGES_SERVICE, ChargesClient } from './infrastructure/payment-charges/charges.client';
import { PaymentChargesController } from './infrastructure/payment-charges/payment-charges.controller';

/** The public HTTP API: authenticates merchants, keeps idempotency keys, routes commands to the owning service. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [InfrastructureModule.forRoot({ service: 'gateway', config, clock: options.clock })],
      controllers: [PaymentChargesController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: CHARGES_SERVICE,
          useFactory: () =>
            ClientProxyFactory.create({
              transport: Transport.TCP,
              options: { host: config.CHARGES_TCP_HOST, port: config.CHARGES_TCP_PORT },
            }),
        },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        ChargesClient,
        MerchantRepository,
        ApiKeyGuard,
        IdempotencyRepository,
        IdempotencyInterceptor,
      ],
    };
  }
}
