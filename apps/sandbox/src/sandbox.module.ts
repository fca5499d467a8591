import { type DynamicModule, Module } from '@nestjs/common';
import { HealthModule, JsonLogger, opsAddress, type ServiceModuleOptions } from '@payment-ledger/platform';
import { rpcClientProviders } from '@payment-ledger/rpc';
import { AgreementPageController } from './infrastructure/agreement-page.controller';
import { HostedPageController } from './infrastructure/hosted-page.controller';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox.config';

/** The Amazon Pay sandbox's hosted page (the provider's consumer-facing side). */
@Module({})
export class SandboxModule {
  static forRoot(config: SandboxConfig, options: Pick<ServiceModuleOptions, 'logSink'> = {}): DynamicModule {
    return {
      module: SandboxModule,
      // /health/live and /health/ready: ready while not draining; the services it calls are reported, not required.
      // Requests counted by route; /metrics on the ops port (SANDBOX_OPS_PORT), which the Ingress does not expose.
      imports: [HealthModule.forHttp(opsAddress('sandbox', config))],
      controllers: [HostedPageController, AgreementPageController],
      providers: [
        { provide: SANDBOX_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: new JsonLogger('sandbox', config.LOG_LEVEL, options.logSink) },
        ...rpcClientProviders('sandbox', config),
      ],
    };
  }
}
