import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { RemoteError } from '@payment-ledger/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';

export const CHARGES_SERVICE = Symbol('ChargesService');

/** Request/response calls to the charges service over TCP; its refusals become API errors. */
@Injectable()
export class ChargesClient implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CHARGES_SERVICE) private readonly proxy: ClientProxy,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Connect lazily if the charges service is not up yet; the first call retries the connection.
    await this.proxy.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async send<Result>(pattern: string, message: object): Promise<Result> {
    try {
      return await firstValueFrom(
        this.proxy.send<Result>(pattern, message).pipe(timeout(this.config.SERVICE_CALL_TIMEOUT_MS)),
      );
    } catch (error) {
      if (isRemoteError(error)) {
        throw new ApiError(error.status, error.failureCode, error.failureMessage, {
          ...(error.field ? { field: error.field } : {}),
          ...(error.currentStatus ? { currentStatus: error.currentStatus } : {}),
        });
      }
      throw new ApiError(503, 'service_unavailable', 'The payment service is unavailable; retry shortly');
    }
  }
}

function isRemoteError(error: unknown): error is RemoteError {
  const e = error as Partial<RemoteError> | null;
  return typeof e?.status === 'number' && typeof e.failureCode === 'string' && typeof e.failureMessage === 'string';
}
