import type { INestMicroservice } from '@nestjs/common';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import {
  type InFlightWork,
  type JsonLogger,
  type RpcServerKit,
  serviceAddress,
  type ServiceName,
} from '@payment-ledger/platform';
import { FrameVerifier } from './frame-auth';
import type { RpcConfig } from './rpc.config';
import { rpcSocketClass } from './rpc-socket';
import { RpcErrorFilter } from './rpc-error.filter';
import { TenantGuard } from './tenant.guard';

/**
 * TCP server options of `service`: its address from the registry, bounded frames, verified commands, counted in
 * `work` so that shutdown can drain them (createRpcService).
 */
export function rpcServerOptions(
  service: ServiceName,
  config: RpcConfig,
  logger: JsonLogger,
  work?: InFlightWork,
): MicroserviceOptions {
  const { host, port } = serviceAddress(service, config);
  return {
    transport: Transport.TCP,
    options: {
      host,
      port,
      socketClass: rpcSocketClass({
        maxFrameBytes: config.RPC_MAX_FRAME_BYTES,
        verifier: new FrameVerifier(config.RPC_SIGNING_SECRETS),
        logger,
        side: 'server',
        work,
      }),
    },
  };
}

/**
 * The RPC kit's server, for bootstrapService / createRpcService: verified frames, every handler tenant-scoped, and
 * every error answered as a RemoteError (RpcErrorFilter), the guard's refusals included.
 */
export const rpcServer: RpcServerKit = {
  serverOptions: (service, config, logger, work) => rpcServerOptions(service, config as RpcConfig, logger, work),
  configure(app: INestMicroservice, logger: JsonLogger) {
    app.useGlobalGuards(new TenantGuard());
    app.useGlobalFilters(new RpcErrorFilter(logger));
  },
};
