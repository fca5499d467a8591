import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { createGatewayApp } from './gateway.app';
import { gatewayConfigSchema } from './gateway.config';

bootstrapService({
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  createApp: (config) => createGatewayApp(config),
});
