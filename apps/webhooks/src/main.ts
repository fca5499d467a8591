import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { webhooksConfigSchema } from './webhooks.config';
import { WebhooksModule } from './webhooks.module';

bootstrapService({
  name: 'webhooks',
  configSchema: webhooksConfigSchema,
  module: (config) => WebhooksModule.forRoot(config),
  rpc: rpcServer,
});
