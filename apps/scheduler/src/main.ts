import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { schedulerConfigSchema } from './scheduler.config';
import { SchedulerModule } from './scheduler.module';

bootstrapService({
  name: 'scheduler',
  configSchema: schedulerConfigSchema,
  module: (config) => SchedulerModule.forRoot(config),
  rpc: rpcServer,
});
