import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { JsonLogger, loadConfig } from '@payment-ledger/platform';
import { agreementsConfigSchema } from './agreements.config';
import { AgreementsModule } from './agreements.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(agreementsConfigSchema);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(AgreementsModule.forRoot(config), {
    transport: Transport.TCP,
    options: { host: config.AGREEMENTS_TCP_HOST, port: config.AGREEMENTS_TCP_PORT },
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  await app.listen();
  logger.event('info', 'agreements.listening', { host: config.AGREEMENTS_TCP_HOST, port: config.AGREEMENTS_TCP_PORT });
}

bootstrap().catch((error: unknown) => {
  // Before the app's logger exists (a config error names the bad variables): the same JSON log line shape.
  new JsonLogger('agreements').event('error', 'agreements.start_failed', { error });
  process.exit(1);
});
