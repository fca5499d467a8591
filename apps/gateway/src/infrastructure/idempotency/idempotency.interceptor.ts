import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Idempotency, type IdempotentRequest } from './idempotency';

/**
 * Idempotency (see Idempotency) for a route whose body the global ValidationPipe checks: the interceptor runs before
 * the pipes, so a key is claimed before the body is validated, as for the routes that call Idempotency themselves.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: Idempotency) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return from(
      this.idempotency.run(http.getRequest<IdempotentRequest>(), http.getResponse<FastifyReply>(), () =>
        lastValueFrom(next.handle()),
      ),
    );
  }
}
