import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { ledgerConfigSchema } from './ledger.config';
import { LedgerModule } from './ledger.module';

bootstrapService({
  name: 'ledger',
  configSchema: ledgerConfigSchema,
  module: (config) => LedgerModule.forRoot(config),
  rpc: rpcServer,
});
