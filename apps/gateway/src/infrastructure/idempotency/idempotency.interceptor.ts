import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { uuidv7Hex } from '@payment-ledger/contracts';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { canonicalJson, decideIdempotency, isValidIdempotencyKey } from '../../domain/idempotency';
import { ApiError } from '../http/api-error';
import { SIMULATION_HEADER } from '../http/simulation-code';
import type { AuthenticatedRequest } from '../merchants/api-key.guard';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_HEADERS = ['request-idempotency-key', 'idempotency-key'] as const;

export interface IdempotentRequest extends AuthenticatedRequest {
  /** The hex body of the id the new object gets: the same on every retry of one idempotency key. */
  resourceIdHex: string;
  idempotencyKey?: string;
}

/**
 * Makes every POST safe to retry with `Request-Idempotency-Key` (or `Idempotency-Key`). Without a key, a request
 * simply gets a fresh resource id.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly records: IdempotencyRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.run(context, next));
  }

  private async run(context: ExecutionContext, next: CallHandler): Promise<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = IDEMPOTENCY_HEADERS.map((h) => request.headers[h]).find((v) => v !== undefined);
    const now = this.clock.now();
    request.resourceIdHex = uuidv7Hex(now.getTime());
    if (key === undefined) return lastValueFrom(next.handle());
    if (typeof key !== 'string' || !isValidIdempotencyKey(key)) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'The idempotency key must be 1 to 255 visible ASCII characters',
      );
    }
    request.idempotencyKey = key;
    const merchantId = request.merchant.id;
    const requestHash = hashRequest(request);

    if (!(await this.records.claim(merchantId, key, requestHash, request.resourceIdHex, now))) {
      const record = await this.records.find(merchantId, key);
      const decision = decideIdempotency(record, requestHash, now);
      switch (decision.action) {
        case 'replay':
          response.setHeader('Request-Idempotency', 'true');
          response.status(decision.status);
          return decision.body;
        case 'reject':
          throw new ApiError(409, decision.code, decision.message);
        case 'take_over':
          if (!(await this.records.takeOver(merchantId, key, record?.lockedAt ?? null, now))) {
            throw new ApiError(
              409,
              'idempotency_key_in_use',
              'A request with this idempotency key is still being processed',
            );
          }
          request.resourceIdHex = decision.resourceId;
          break;
        case 'claim':
          // The record expired or vanished between the two reads: claim once more, or give up as a conflict.
          if (!(await this.records.claim(merchantId, key, requestHash, request.resourceIdHex, now))) {
            throw new ApiError(
              409,
              'idempotency_key_in_use',
              'A request with this idempotency key is still being processed',
            );
          }
      }
    }

    try {
      const body = await lastValueFrom(next.handle());
      const status = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
      await this.records.complete(merchantId, key, status, body);
      return body;
    } catch (error) {
      const status = error instanceof HttpException ? error.getStatus() : 500;
      if (status >= 400 && status < 500) await this.records.forget(merchantId, key);
      else await this.records.release(merchantId, key);
      throw error;
    }
  }
}

function hashRequest(request: IdempotentRequest): string {
  const simulation = request.headers[SIMULATION_HEADER] ?? '';
  return createHash('sha256')
    .update(`${request.method} ${request.path}\n${String(simulation)}\n${canonicalJson(request.body)}`)
    .digest('base64url');
}
