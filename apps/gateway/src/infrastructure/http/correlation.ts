import type { NextFunction, Request, Response } from 'express';
import { newId } from '@payment-ledger/contracts';
import { withLogContext } from '@payment-ledger/platform';

const HEADER = 'x-correlation-id';

/** Every request runs with a correlation id (the caller's `X-Correlation-Id`, or a new one), echoed back. */
export function correlation(request: Request, response: Response, next: NextFunction): void {
  const given = request.headers[HEADER];
  const correlationId = typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : newId('event');
  response.setHeader('X-Correlation-Id', correlationId);
  withLogContext({ correlationId }, next);
}
