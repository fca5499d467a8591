import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { agreementsConfigSchema } from './agreements.config';
import { AgreementsModule } from './agreements.module';

bootstrapService({
  name: 'agreements',
  configSchema: agreementsConfigSchema,
  module: (config) => AgreementsModule.forRoot(config),
  rpc: rpcServer,
});
