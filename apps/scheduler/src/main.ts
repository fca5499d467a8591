import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { JsonLogger, loadConfig } from '@payment-ledger/platform';
import { schedulerConfigSchema } from './scheduler.config';
import { SchedulerModule } from './scheduler.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(schedulerConfigSchema);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(SchedulerModule.forRoot(config), {
    transport: Transport.TCP,
    options: { host: config.SCHEDULER_TCP_HOST, port: config.SCHEDULER_TCP_PORT },
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  await app.listen();
  logger.event('info', 'scheduler.listening', { host: config.SCHEDULER_TCP_HOST, port: config.SCHEDULER_TCP_PORT });
}

bootstrap().catch((error: unknown) => {
  // Before the app's logger exists (a config error names the bad variables): the same JSON log line shape.
  new JsonLogger('scheduler').event('error', 'scheduler.start_failed', { error });
  process.exit(1);
});
