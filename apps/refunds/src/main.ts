import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { refundsConfigSchema } from './refunds.config';
import { RefundsModule } from './refunds.module';

bootstrapService({
  name: 'refunds',
  configSchema: refundsConfigSchema,
  module: (config) => RefundsModule.forRoot(config),
  rpc: rpcServer,
});
