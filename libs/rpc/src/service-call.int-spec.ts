/**
 * CoalescedServiceCall against a real `@nestjs/microservices` TCP service: calls made at the same time travel as
 * one `<pattern>.many` message, and each caller still gets exactly its own answer.
 */
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClientProxy, MessagePattern, type MicroserviceOptions, Payload, Transport } from '@nestjs/microservices';
import type { ManyCallsMessage } from '@payment-ledger/contracts';
import { RequestRejected } from '@payment-ledger/domain-kernel';
import { JsonLogger } from '@payment-ledger/platform';
import { freePort } from '../../../test/support/ports';
import { tcpClientProxy } from './rpc-client';
import { answerEach } from './rpc-error.filter';
import { CoalescedServiceCall, RemoteCallError } from './service-call';

type Doubling = { n: number };

const received: string[] = [];
const logger = new JsonLogger('test', 'error', { write: () => undefined });

/** Doubles a number; refuses negative ones, as a service refuses a bad command. */
async function double({ n }: Doubling): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (n < 0) throw new RequestRejected('negative_number', 'n must not be negative', 'n');
  return n * 2;
}

@Controller()
class DoublingController {
  @MessagePattern('double')
  one(@Payload() message: Doubling) {
    received.push('double');
    return double(message);
  }

  @MessagePattern('double.many')
  many(@Payload() many: ManyCallsMessage<Doubling>) {
    received.push(`double.many(${many.messages.length})`);
    return answerEach(many.messages, double, logger);
  }
}

@Module({ controllers: [DoublingController] })
class DoublingModule {}

let service: INestMicroservice;
let proxy: ClientProxy;
let port: number;

beforeAll(async () => {
  port = await freePort();
  service = await NestFactory.createMicroservice<MicroserviceOptions>(DoublingModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await service.listen();
  proxy = tcpClientProxy({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await proxy?.close();
  await service?.close();
});
beforeEach(() => received.splice(0));

const patterns = { one: 'double', many: 'double.many' };

it('sends a lone call as the plain pattern, and calls made meanwhile as one message', async () => {
  const doubling = new CoalescedServiceCall<Doubling, number>(proxy, patterns, 2_000, { maxInFlight: 1, maxBatch: 64 });
  const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => doubling.call({ n })));
  expect(answers).toEqual(Array.from({ length: 10 }, (_, n) => n * 2));
  expect(received).toEqual(['double', 'double.many(9)']);
});

it('gives each caller its own refusal, as the plain pattern would, and the others their results', async () => {
  const doubling = new CoalescedServiceCall<Doubling, number>(proxy, patterns, 2_000, { maxInFlight: 1, maxBatch: 64 });
  const answers = await Promise.all([1, -1, 2, -2].map((n) => doubling.call({ n }).catch((error: unknown) => error)));
  expect(answers[0]).toBe(2);
  expect(answers[2]).toBe(4);
  for (const refusal of [answers[1], answers[3]]) {
    expect(refusal).toBeInstanceOf(RemoteCallError);
    expect(refusal).toMatchObject({ kind: 'invalid', failureCode: 'negative_number', field: 'n' });
  }
  expect(received).toContain('double.many(3)');
});

it('answers 503 service_unavailable to every caller when the service does not answer', async () => {
  const nobody = tcpClientProxy({ host: '127.0.0.1', port: await freePort() });
  try {
    const doubling = new CoalescedServiceCall<Doubling, number>(nobody, patterns, 1_000, {
      maxInFlight: 1,
      maxBatch: 64,
    });
    const answers = await Promise.all([1, 2, 3].map((n) => doubling.call({ n }).catch((error: unknown) => error)));
    for (const answer of answers) {
      expect(answer).toMatchObject({ kind: 'unavailable', failureCode: 'service_unavailable' });
    }
  } finally {
    await nobody.close();
  }
});
