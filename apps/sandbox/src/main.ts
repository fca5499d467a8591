import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { urlencoded } from 'express';
import { JsonLogger, loadConfig } from '@payment-ledger/platform';
import { sandboxConfigSchema } from './sandbox.config';
import { SandboxModule } from './sandbox.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(sandboxConfigSchema);
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  app.use(urlencoded({ extended: false, limit: '8kb' }));
  app.enableShutdownHooks();
  await app.listen(config.SANDBOX_PORT, config.SANDBOX_HOST);
  logger.event('info', 'sandbox.listening', { url: await app.getUrl() });
}

bootstrap().catch((error: unknown) => {
  // Before the app's logger exists (a config error names the bad variables): the same JSON log line shape.
  new JsonLogger('sandbox').event('error', 'sandbox.start_failed', { error });
  process.exit(1);
});
