/**
 * The RPC kit's TCP transport end to end (no database): a service built by createRpcService with rpcServer, called
 * through createRpcClient. Many concurrent calls, plain and coalesced, each get their own answer; answers larger than
 * a socket read arrive whole; frames over RPC_MAX_FRAME_BYTES are never sent (the call fails at once); a message
 * without its merchant is refused by the tenant guard.
 */
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ManyCallsMessage } from '@payment-ledger/contracts';
import { createRpcService, JsonLogger, loadConfig, serviceAddressSchema } from '@payment-ledger/platform';
import { freePort } from '../../../test/support/ports';
import { answerEach } from './rpc-error.filter';
import { createRpcClient, type RpcClient } from './rpc-client';
import { rpcConfigSchema } from './rpc.config';
import { rpcServer } from './rpc-server';

type Echo = { merchantId: string; n: number; pad: string };
const quiet = new JsonLogger('rpc-test', 'error', { write: () => undefined });
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

@Controller()
class EchoController {
  @MessagePattern('charges.echo')
  async echo(@Payload() message: Echo) {
    await pause();
    return message;
  }

  @MessagePattern('charges.echo.many')
  many(@Payload() many: ManyCallsMessage<Echo>) {
    return answerEach(many.messages, (m) => this.echo(m), quiet);
  }

  @MessagePattern('charges.big')
  big(@Payload() message: { merchantId: string; bytes: number }) {
    return { pad: 'y'.repeat(message.bytes) };
  }
}

@Module({ controllers: [EchoController], providers: [{ provide: JsonLogger, useValue: quiet }] })
class EchoModule {}

let service: INestMicroservice;
let client: RpcClient;

beforeAll(async () => {
  const config = loadConfig(
    { ...serviceAddressSchema('charges'), ...rpcConfigSchema },
    {
      RPC_SIGNING_SECRETS: 's'.repeat(40),
      CHARGES_TCP_PORT: String(await freePort()),
      CHARGES_OPS_PORT: '0',
      LOG_LEVEL: 'error',
    },
  );
  service = await createRpcService('charges', { module: EchoModule }, config, rpcServer);
  await service.listen();
  client = createRpcClient('charges', config, quiet);
});
afterAll(async () => {
  await client?.onApplicationShutdown();
  await service?.close();
});

it('answers thousands of concurrent calls, plain and coalesced, each with its own answer', async () => {
  const coalesced = client.coalesced<Echo, Echo>('charges.echo', 'charges.echo.many');
  const pad = 'x'.repeat(600);
  const answers = await Promise.all(
    Array.from({ length: 3_000 }, (_, n) =>
      n % 3 === 0
        ? client.send<Echo>('charges.echo', { merchantId: 'merchant_1', n, pad })
        : coalesced.call({ merchantId: 'merchant_1', n, pad }),
    ),
  );
  expect(answers.map((a) => a.n)).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
});

it('receives answers larger than a socket read whole', async () => {
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => client.send<{ pad: string }>('charges.big', { merchantId: 'm', bytes: 600_000 })),
  );
  expect(answers.every((a) => a.pad.length === 600_000)).toBe(true);
});

it('answers a call whose answer is over the frame limit with an error at once, and keeps serving', async () => {
  await expect(client.send('charges.big', { merchantId: 'm', bytes: 2 * 1_048_576 })).rejects.toMatchObject({
    failureCode: 'answer_too_large',
  });
  await expect(client.send<Echo>('charges.echo', { merchantId: 'm', n: 1, pad: '' })).resolves.toMatchObject({ n: 1 });
});

it('fails a command over the frame limit at once, without sending it', async () => {
  const pad = 'x'.repeat(2 * 1_048_576);
  await expect(client.send('charges.echo', { merchantId: 'm', n: 2, pad })).rejects.toMatchObject({
    kind: 'unavailable',
  });
  await expect(client.send<Echo>('charges.echo', { merchantId: 'm', n: 3, pad: '' })).resolves.toMatchObject({ n: 3 });
});

it('refuses a message without its merchant before the handler runs', async () => {
  await expect(client.send('charges.echo', { merchantId: '', n: 1, pad: '' })).rejects.toMatchObject({
    failureCode: 'merchant_required',
  });
});
