/**
 * Shutdown drains an RPC service instead of cutting it off (createRpcService's close, the RPC socket's counting):
 * commands in flight when it starts are answered, a command that arrives meanwhile is refused unexecuted and its
 * caller's retry ends as `service_unavailable` (one replica: there is nowhere else to go), and a command that never
 * finishes holds the shutdown only for its share of SHUTDOWN_TIMEOUT_MS.
 */
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  createRpcService,
  JsonLogger,
  loadConfig,
  serviceAddressSchema,
  shutdownConfigSchema,
} from '@payment-ledger/platform';
import { freePort } from '../../../test/support/ports';
import { createRpcClient, type RpcClient } from './rpc-client';
import { rpcConfigSchema } from './rpc.config';
import { rpcServer } from './rpc-server';
import { RemoteCallError } from './service-call';

const quiet = new JsonLogger('rpc-test', 'error', { write: () => undefined });

/** Commands wait on the gate; the test opens it. */
class Gate {
  ran: number[] = [];
  private open?: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  async pass(n: number): Promise<number> {
    this.ran.push(n);
    await this.opened;
    return n;
  }
  release(): void {
    this.open!();
  }
}

let gate: Gate;

@Controller()
class SlowController {
  @MessagePattern('charges.slow')
  slow(@Payload() message: { merchantId: string; n: number }) {
    return gate.pass(message.n);
  }
}

@Module({ controllers: [SlowController], providers: [{ provide: JsonLogger, useValue: quiet }] })
class SlowModule {}

async function startService(shutdownTimeoutMs: number): Promise<{ service: INestMicroservice; client: RpcClient }> {
  const config = loadConfig(
    { ...serviceAddressSchema('charges'), ...rpcConfigSchema, ...shutdownConfigSchema },
    {
      RPC_SIGNING_SECRETS: 's'.repeat(40),
      CHARGES_TCP_PORT: String(await freePort()),
      CHARGES_OPS_PORT: '0',
      LOG_LEVEL: 'error',
      SERVICE_CALL_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    },
  );
  const service = await createRpcService('charges', { module: SlowModule }, config, rpcServer);
  await service.listen();
  return { service, client: createRpcClient('charges', config, quiet) };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

beforeEach(() => (gate = new Gate()));

it('answers every command in flight before it closes, and runs none that arrive while it drains', async () => {
  const { service, client } = await startService(30_000);
  try {
    const inFlight = [1, 2, 3, 4, 5].map((n) => client.send<number>('charges.slow', { merchantId: 'm', n }));
    await until(() => gate.ran.length === 5);

    let closed = false;
    const closing = service.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = client.send<number>('charges.slow', { merchantId: 'm', n: 6 }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false); // held by the five

    gate.release();
    expect(await Promise.all(inFlight)).toEqual([1, 2, 3, 4, 5]);
    await closing;
    const refused = await late;
    expect(refused).toBeInstanceOf(RemoteCallError);
    expect(refused).toMatchObject({ kind: 'unavailable', failureCode: 'service_unavailable' });
    expect(gate.ran).toEqual([1, 2, 3, 4, 5]); // the late one never ran
  } finally {
    await client.onApplicationShutdown();
    gate.release();
    await service.close();
  }
});

it('stops waiting for a command that does not finish after its share of SHUTDOWN_TIMEOUT_MS', async () => {
  const { service, client } = await startService(1_500);
  try {
    const stuck = client.send<number>('charges.slow', { merchantId: 'm', n: 1 }).catch((error: unknown) => error);
    await until(() => gate.ran.length === 1);
    const started = Date.now();
    await service.close();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(1_500);
    expect(await stuck).toMatchObject({ failureCode: 'service_unavailable' });
  } finally {
    await client.onApplicationShutdown();
    gate.release();
  }
});
