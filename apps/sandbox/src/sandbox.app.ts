import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { urlencoded } from 'express';
import { JsonLogger } from '@payment-ledger/platform';
import type { SandboxConfig } from './sandbox.config';
import { SandboxModule } from './sandbox.module';

/** Builds the sandbox page's app (Express: small HTML forms), not yet listening. */
export async function createSandboxApp(config: SandboxConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(JsonLogger));
  app.disable('x-powered-by');
  app.use(urlencoded({ extended: false, limit: '8kb' }));
  return app;
}
