import { json, type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './api-error';

/**
 * JSON bodies only, up to a limit, parsed before Nest routes. Parser failures are answered here in the API's error
 * shape (they happen before Nest's exception filters can see them).
 */
export function jsonBodyParsing(limitBytes: number, now: () => Date) {
  const parse = json({ limit: limitBytes, strict: true });
  const requireJson = (request: Request, _response: Response, next: NextFunction): void => {
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
    if (['POST', 'PUT', 'PATCH'].includes(request.method) && hasBody && !request.is('application/json')) {
      next(new ApiError(415, 'unsupported_media_type', 'Send the body as application/json'));
      return;
    }
    next();
  };
  const parserErrors = (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    const apiError = toApiError(error);
    if (!apiError) {
      next(error);
      return;
    }
    response.status(apiError.getStatus()).json(apiError.toBody(now()));
  };
  const requireObject = (request: Request, _response: Response, next: NextFunction): void => {
    const body: unknown = request.body;
    if (
      ['POST', 'PUT', 'PATCH'].includes(request.method) &&
      body !== undefined &&
      (typeof body !== 'object' || body === null || Array.isArray(body))
    ) {
      next(new ApiError(400, 'invalid_request', 'The request body must be a JSON object'));
      return;
    }
    next();
  };
  return [requireJson, parse, requireObject, parserErrors] as const;
}

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const type = (error as { type?: string } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'The request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'Unsupported body encoding');
    case 'request.aborted':
      return new ApiError(400, 'request_aborted', 'The request was aborted');
    default:
      return undefined;
  }
}
