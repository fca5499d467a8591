import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { chargesConfigSchema } from './charges.config';
import { ChargesModule } from './charges.module';

bootstrapService({
  name: 'charges',
  configSchema: chargesConfigSchema,
  module: (config) => ChargesModule.forRoot(config),
  rpc: rpcServer,
});
