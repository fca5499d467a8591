import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { JsonLogger, loadConfig } from '@payment-ledger/platform';
import { chargesConfigSchema } from './charges.config';
import { ChargesModule } from './charges.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(chargesConfigSchema);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(ChargesModule.forRoot(config), {
    transport: Transport.TCP,
    options: { host: config.CHARGES_TCP_HOST, port: config.CHARGES_TCP_PORT },
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  await app.listen();
  logger.event('info', 'charges.listening', { host: config.CHARGES_TCP_HOST, port: config.CHARGES_TCP_PORT });
}

bootstrap().catch((error: unknown) => {
  // Before the app's logger exists (a config error names the bad variables): the same JSON log line shape.
  new JsonLogger('charges').event('error', 'charges.start_failed', { error });
  process.exit(1);
});
