import { connect } from 'node:net';
import { Inject, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { type ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  type CalleeOf,
  type HealthChecks,
  JsonLogger,
  READINESS_CHECK,
  type ReadinessSource,
  SERVICE_REGISTRY,
  serviceAddress,
  type ServiceName,
} from '@payment-ledger/platform';
import { FrameSigner } from './frame-auth';
import type { RpcConfig } from './rpc.config';
import { rpcSocketClass } from './rpc-socket';
import { CoalescedServiceCall, callService } from './service-call';
import { traced } from './trace';

/**
 * A client of one service over the RPC kit: signed commands, bounded frames, one connection. `send` makes a call;
 * `coalesced` gives a pattern whose concurrent calls travel together as its `.many` pattern.
 *
 * Readiness reports whether the service answers a TCP connection at its address, as a non-critical check: a caller
 * stays ready when a service it calls is down (its requests to that service fail; others still work).
 */
export class RpcClient implements OnApplicationShutdown, ReadinessSource {
  constructor(
    readonly service: ServiceName,
    private readonly proxy: ClientProxy,
    private readonly config: RpcConfig,
    private readonly address?: { host: string; port: number },
  ) {}

  async [READINESS_CHECK](): Promise<HealthChecks> {
    if (!this.address) return {};
    const { host, port } = this.address;
    const reachable = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      const done = (up: boolean) => {
        socket.destroy();
        resolve(up);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    // Statuses only: the gateway's and the sandbox page's probes are reachable through their Ingress, and addresses
    // inside the cluster are nobody's business outside it.
    return { [`service:${this.service}`]: { status: reachable ? 'up' : 'down', critical: false } };
  }

  send<Result>(pattern: string, message: object): Promise<Result> {
    return callService<Result>(this.proxy, pattern, traced(message), this.config.SERVICE_CALL_TIMEOUT_MS);
  }

  /** Calls of `one` made at the same time go as one `many` message; the queue is bounded (RPC_QUEUE_MAX / _WAIT_MS). */
  coalesced<Message extends object, Result>(one: string, many: string): CoalescedServiceCall<Message, Result> {
    return new CoalescedServiceCall<Message, Result>(this.proxy, { one, many }, this.config.SERVICE_CALL_TIMEOUT_MS, {
      maxInFlight: 2,
      maxBatch: 64,
      maxWaiting: this.config.RPC_QUEUE_MAX,
      maxWaitMs: this.config.RPC_QUEUE_WAIT_MS,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}

/** The TCP client of `service`, where the registry's address settings in `config` say it is. */
export function createRpcClient(service: ServiceName, config: RpcConfig, logger: JsonLogger): RpcClient {
  const address = serviceAddress(service, config);
  const proxy = tcpClientProxy(
    address,
    rpcSocketClass({
      maxFrameBytes: config.RPC_MAX_FRAME_BYTES,
      signer: new FrameSigner(config.RPC_SIGNING_SECRETS[0]),
      logger,
      side: 'client',
    }),
  );
  return new RpcClient(service, proxy, config, address);
}

/**
 * The one place a TCP ClientProxy is built: with the kit's signing, size-bounded socket for a service's client; the
 * coalescing tests give none, to talk to a bare Nest TCP server.
 */
export function tcpClientProxy(
  address: { host: string; port: number },
  socketClass?: ReturnType<typeof rpcSocketClass>,
): ClientProxy {
  return ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { ...address, ...(socketClass ? { socketClass } : {}) },
  });
}

/** The injection token of the client of `service`. */
export function rpcClientToken(service: ServiceName): string {
  return `RpcClient:${service}`;
}

/** Injects the client of `service` (registered by rpcClientProviders). */
export const InjectRpcClient = (service: ServiceName) => Inject(rpcClientToken(service));

/**
 * The one way to register clients: a provider for each service that `caller` calls according to the service
 * registry (RpcClient under rpcClientToken(service)).
 */
export function rpcClientProviders<N extends ServiceName>(caller: N, config: RpcConfig): Provider[] {
  const callees = SERVICE_REGISTRY[caller].calls as readonly CalleeOf<N>[];
  return callees.map((service) => ({
    provide: rpcClientToken(service),
    inject: [{ token: JsonLogger, optional: true }],
    useFactory: (logger?: JsonLogger) =>
      createRpcClient(service, config, logger ?? new JsonLogger(caller, (config as { LOG_LEVEL?: 'info' }).LOG_LEVEL)),
  }));
}
