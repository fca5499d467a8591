import 'reflect-metadata';
import { JsonLogger, loadConfig } from '@payment-ledger/platform';
import { gatewayConfigSchema } from './gateway.config';
import { createGatewayApp } from './gateway.app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(gatewayConfigSchema);
  const app = await createGatewayApp(config);
  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  app.get(JsonLogger).event('info', 'gateway.listening', { url: await app.getUrl() });
}

bootstrap().catch((error: unknown) => {
  // Before the app's logger exists (a config error names the bad variables): the same JSON log line shape.
  new JsonLogger('gateway').event('error', 'gateway.start_failed', { error });
  process.exit(1);
});
