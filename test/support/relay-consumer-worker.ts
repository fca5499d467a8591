/**
 * A real Nest application hosting the event relay and one inbox consumer, run as its own process by the crash
 * test. Its consumer's effect is a row per event in `effects`, written in the inbox transaction.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { PoolClient } from 'pg';
import { type EventEnvelope, MessagingModule } from '@payment-ledger/messaging';
import { InfrastructureModule, infrastructureConfigSchema, JsonLogger, loadConfig } from '@payment-ledger/platform';

@Injectable()
class EffectsHandler {
  async handle(event: EventEnvelope, session: PoolClient): Promise<void> {
    await session.query('INSERT INTO effects (event_id, stream_id, stream_version) VALUES ($1, $2, $3)', [
      event.eventId,
      event.streamId,
      event.streamVersion,
    ]);
  }
}

async function main(): Promise<void> {
  const config = loadConfig(infrastructureConfigSchema);
  @Module({
    imports: [
      InfrastructureModule.forRoot({ service: 'crash-test-worker', config }),
      MessagingModule.forRoot({ relay: { name: 'crash-test', streamTypes: ['crash'] } }, [
        { name: 'crash-test-effects', streamTypes: ['crash'], handler: EffectsHandler },
      ]),
    ],
  })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(JsonLogger));
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write('worker ready\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
