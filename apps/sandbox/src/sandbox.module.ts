import { type DynamicModule, Module } from '@nestjs/common';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { JsonLogger } from '@payment-ledger/platform';
import { AGREEMENTS_SERVICE, AgreementPageController } from './infrastructure/agreement-page.controller';
import { HealthController } from './infrastructure/health.controller';
import { CHARGES_SERVICE, HostedPageController } from './infrastructure/hosted-page.controller';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox.config';

/** The Amazon Pay sandbox's hosted page (the provider's consumer-facing side). */
@Module({})
export class SandboxModule {
  static forRoot(config: SandboxConfig): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [HostedPageController, AgreementPageController, HealthController],
      providers: [
        { provide: SANDBOX_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: new JsonLogger('sandbox', config.LOG_LEVEL) },
        {
          provide: CHARGES_SERVICE,
          useFactory: () =>
            ClientProxyFactory.create({
              transport: Transport.TCP,
              options: { host: config.CHARGES_TCP_HOST, port: config.CHARGES_TCP_PORT },
            }),
        },
        {
          provide: AGREEMENTS_SERVICE,
          useFactory: () =>
            ClientProxyFactory.create({
              transport: Transport.TCP,
              options: { host: config.AGREEMENTS_TCP_HOST, port: config.AGREEMENTS_TCP_PORT },
            }),
        },
      ],
    };
  }
}
