import { HttpException, Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
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
 * Makes a POST safe to retry with `Request-Idempotency-Key` (or `Idempotency-Key`): `run` executes the request's
 * work once per key and replays its first response. Without a key, a request simply gets a fresh resource id.
 */
@Injectable()
export class Idempotency {
  constructor(
    private readonly records: IdempotencyRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async run<Result>(request: IdempotentRequest, reply: FastifyReply, execute: () => Promise<Result>): Promise<Result> {
    const key = idempotencyKeyOf(request);
    const now = this.clock.now();
    request.resourceIdHex = uuidv7Hex(now.getTime());
    if (key === undefined) return execute();
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
          void reply.header('Request-Idempotency', 'true').status(decision.status);
          return decision.body as Result;
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
      const body = await execute();
      // The status the route answers with, set by Nest before the route runs.
      await this.records.complete(merchantId, key, reply.statusCode, body);
      return body;
    } catch (error) {
      const status = error instanceof HttpException ? error.getStatus() : 500;
      if (status >= 400 && status < 500) await this.records.forget(merchantId, key);
      else await this.records.release(merchantId, key);
      throw error;
    }
  }
}

function idempotencyKeyOf(request: IdempotentRequest): unknown {
  for (const header of IDEMPOTENCY_HEADERS) {
    const value = request.headers[header];
    if (value !== undefined) return value;
  }
  return undefined;
}

function hashRequest(request: IdempotentRequest): string {
  const simulation = request.headers[SIMULATION_HEADER] ?? '';
  return createHash('sha256')
    .update(`${request.method} ${pathOf(request.url)}\n${String(simulation)}\n${canonicalJson(request.body)}`)
    .digest('base64url');
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
