import { applyDecorators } from '@nestjs/common';
import type { ReferenceObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { failureCodesWithStatus, publicFailureCodes, SIMULATION_CODES } from '@payment-ledger/contracts';
import type { JsonSchema } from '../body-schema';
import { SIMULATION_HEADER } from '../simulation-code';
import { ApiSchemas, type OpenApiSchema } from './api-schemas';

/**
 * What the OpenAPI document says about one route, given once beside it (`@ApiOperationDoc({...})`): its summary,
 * body, success response, path parameters and the errors of its own (404, 409, ...). What every route shares is
 * added here, the same way for all: the bearer key, the idempotency headers of a POST, the errors any route can
 * answer with (400, 401, 403, 408, 429, 431, 500, 503; 413 and 415 where there is a body, 414 where there is an id in
 * the path), `X-Correlation-Id` on every answer, `Retry-After` and the `RateLimit-*` headers where they come. A route
 * without this decorator fails the document's completeness test (test/integration/api-contract.int-spec.ts).
 */
export interface OperationDoc {
  /** Names the operation in generated clients (`createPaymentCharge`). */
  operationId: string;
  summary: string;
  description?: string;
  /** Path parameters and their schemas (ids carry their prefix pattern). */
  params?: Record<string, JsonSchema>;
  body?: { schema: JsonSchema; examples?: Record<string, { summary: string; value: unknown }> };
  success: { status: 200 | 201; schema: JsonSchema; description: string };
  /** The route's own errors beyond those every route has, by status, each with when it happens. */
  errors?: Partial<Record<403 | 404 | 409, string>>;
  /** A POST that takes an idempotency key (every POST that creates something). */
  idempotent?: boolean;
  /** Accepts the sandbox simulation header: a payment's codes (`true`, SIMULATION_CODES) or these. */
  simulation?: true | readonly string[];
  /**
   * Who calls it: merchants by default (the bearer key); `provider`, the payment provider posting its notifications,
   * with no API key (`security: []`), its body `text/plain` and its 401 and 403 about the provider's signature.
   */
  caller?: 'merchant' | 'provider';
}

/** The models of the document: every schema the routes refer to (see ApiSchemas). */
export const apiSchemas = new ApiSchemas();

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  408: 'RequestTimeout',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalServer',
  503: 'ServiceUnavailable',
};

const COMMON_ERRORS: Readonly<Record<number, string>> = {
  400: 'The request is malformed: its URL, query parameters (see `errors[]`) or, for a POST, its body',
  401: 'No API key, or an unknown or revoked one',
  403: 'A live key, while no live payment provider is connected (`live_mode_unavailable`): use your sandbox key',
  408: 'The request took too long to arrive',
  429: 'Rate limited (per API key and per client address): wait `Retry-After` seconds',
  431: 'The request headers are too large',
  500: 'Unexpected error; retry with the same idempotency key, quote X-Correlation-Id to support',
  503: 'A payment service is unavailable or busy: retry after `Retry-After` seconds with the same idempotency key',
};
/** The router refuses a path parameter longer than 100 characters before any route runs. */
const PATH_ERRORS: Readonly<Record<number, string>> = {
  414: 'A path segment (an id) is longer than the gateway accepts',
};
const BODY_ERRORS: Readonly<Record<number, string>> = {
  413: 'The body is larger than the gateway accepts',
  415: 'The body is not application/json',
};
/** The shared errors a provider's notification route answers differently: no key, its own signature. */
const PROVIDER_ERRORS: Readonly<Record<number, string>> = {
  401: 'The notification carries no provider signature (`provider_notification_unsigned`)',
  403: "The notification's signature is not the provider's (`provider_notification_forged`)",
  415: 'The body is not text/plain',
};
const IDEMPOTENT_CONFLICTS =
  'The idempotency key was used with another request (`idempotency_key_reused`) or that request is still running ' +
  '(`idempotency_key_in_use`)';

const correlationHeader = {
  'X-Correlation-Id': {
    description: "The request's correlation id (yours from the request's X-Correlation-Id, or a new one)",
    required: true,
    schema: { type: 'string' },
  },
};
const retryAfterHeader = {
  'Retry-After': { description: 'Seconds to wait before retrying', required: true, schema: { type: 'integer' } },
};
export const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description: 'Requests per second allowed for this key or address (sustained rate)',
    required: true,
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': { description: 'Requests left now (0)', required: true, schema: { type: 'integer' } },
  'RateLimit-Reset': {
    description: 'Seconds until a request is allowed again',
    required: true,
    schema: { type: 'integer' },
  },
};
const IDEMPOTENCY_KEY_DOC =
  'Makes the POST safe to retry: the same key with the same body answers with the first response (marked ' +
  '`Request-Idempotency: true`) and never acts twice. 1 to 255 printable ASCII characters (a UUID); kept 24 hours; ' +
  'scoped to your merchant.';

export function ApiOperationDoc(doc: OperationDoc): MethodDecorator {
  const hasBody = doc.body !== undefined;
  const provider = doc.caller === 'provider';
  const errors: Record<number, string> = {
    ...COMMON_ERRORS,
    ...(hasBody ? BODY_ERRORS : {}),
    ...(doc.params ? PATH_ERRORS : {}),
    ...(provider ? PROVIDER_ERRORS : {}),
  };
  for (const [status, description] of Object.entries(doc.errors ?? {})) {
    const shared = errors[Number(status)];
    errors[Number(status)] = shared ? `${description}; or: ${shared}` : description;
  }
  if (doc.idempotent) {
    errors[409] = errors[409] ? `${errors[409]}; or: ${IDEMPOTENT_CONFLICTS}` : IDEMPOTENT_CONFLICTS;
  }
  const decorators: (MethodDecorator | ClassDecorator)[] = [
    ApiOperation({
      operationId: doc.operationId,
      summary: doc.summary,
      description: doc.description,
      ...(provider ? { security: [] } : {}),
    }),
    ...(provider ? [ApiConsumes('text/plain')] : [ApiBearerAuth()]),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: 'Your id for this request (1 to 100 of A-Z a-z 0-9 _ . : -), echoed back and kept in our logs',
    }),
    ...Object.entries(doc.params ?? {}).map(([name, schema]) =>
      ApiParam({ name, required: true, schema: apiSchemas.ref(schema) as never }),
    ),
    ApiResponse({
      status: doc.success.status,
      description: doc.success.description,
      schema: apiSchemas.ref(doc.success.schema) as never,
      headers: {
        ...correlationHeader,
        ...(doc.idempotent
          ? {
              'Request-Idempotency': {
                description: 'Present (`true`) when this answer is the replay of an earlier request with the same key',
                required: false,
                schema: { type: 'string', enum: ['true'] },
              },
            }
          : {}),
      },
    }),
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        schema: errorSchemaRef(Number(status)) as never,
        headers: {
          ...correlationHeader,
          ...(Number(status) === 503 || Number(status) === 429 ? retryAfterHeader : {}),
          ...(Number(status) === 429 ? RATE_LIMIT_HEADERS : {}),
        },
      }),
    ),
  ];
  if (doc.body) {
    decorators.push(
      ApiBody({
        // A body whose fields are all optional may be left out (it is read as {}).
        required: (doc.body.schema.required ?? []).length > 0,
        schema: apiSchemas.ref(doc.body.schema) as never,
        examples: doc.body.examples,
      }),
    );
  }
  if (doc.idempotent) {
    decorators.push(
      ApiHeader({ name: 'Request-Idempotency-Key', required: false, description: IDEMPOTENCY_KEY_DOC }),
      ApiHeader({
        name: 'Idempotency-Key',
        required: false,
        description: 'The same as Request-Idempotency-Key (the name other payment APIs use); send one of the two.',
      }),
    );
  }
  if (doc.simulation) {
    decorators.push(
      ApiHeader({
        name: SIMULATION_HEADER,
        required: false,
        enum: doc.simulation === true ? [...SIMULATION_CODES] : [...doc.simulation],
        description: "Sandbox only: force an Amazon Pay outcome (the same as the body's sandbox.simulationCode)",
      }),
    );
  }
  return applyDecorators(...decorators);
}

/**
 * The answers to a body the gateway refuses before any route reads it (too large, not JSON): every operation whose
 * request may carry a body can give them, whether or not it takes one (a POST of no fields, a DELETE). Only the
 * document knows each operation's method, so createApiDocument adds them to those whose doc has no body.
 */
export function bodyErrorResponses(): Record<string, ResponseObject> {
  return Object.fromEntries(
    Object.entries(BODY_ERRORS).map(([status, description]) => [
      status,
      {
        description,
        headers: correlationHeader,
        content: { 'application/json': { schema: errorSchemaRef(Number(status)) as ReferenceObject } },
      },
    ]),
  );
}

/** The error answer of one status: the API's error shape, its `failureCode` one of the codes of that status. */
function errorSchemaRef(status: number): OpenApiSchema {
  const name = STATUS_NAMES[status];
  if (!name) throw new Error(`No error model for status ${status}`);
  return apiSchemas.ref(errorSchema(`${name}Error`, status));
}

export function errorSchema(title: string, status: number): JsonSchema {
  const codes = failureCodesWithStatus(status);
  if (codes.length === 0) throw new Error(`No failure code has status ${status}`);
  return {
    type: 'object',
    title,
    description: `The API's error shape for ${status}. See docs/errors.md for every failureCode.`,
    required: ['status', 'failureCode', 'failureMessage', 'timestamp'],
    properties: {
      status: { type: 'integer', enum: [status] },
      failureCode: { type: 'string', enum: codes, description: 'Stable, machine-readable: branch on this' },
      failureMessage: { type: 'string', description: 'For people; may change' },
      timestamp: { type: 'string', format: 'date-time' },
      field: { type: 'string', description: 'The field at fault, where there is one', example: 'amount.value' },
      currentStatus: {
        type: 'string',
        description: "On a 409 about the object's state: its status now",
        example: 'CAPTURED',
      },
      refundableAmount: {
        type: 'integer',
        description: 'With `amount_exceeds_refundable`: what is still refundable, in minor units',
        example: 250,
      },
      errors: {
        type: 'array',
        description: 'On a 400: every problem found, one per field (the first is also failureCode and field)',
        items: fieldProblem,
      },
    },
  };
}

const fieldProblem: JsonSchema = {
  type: 'object',
  title: 'FieldProblem',
  required: ['field', 'failureCode', 'failureMessage'],
  properties: {
    field: { type: 'string', example: 'amount.currency' },
    failureCode: failureCodeSchema(),
    failureMessage: { type: 'string', example: 'amount.currency must be an ISO 4217 code such as USD' },
  },
};

/** Every code of the catalogue: the document's `FailureCode` model. */
function failureCodeSchema(): JsonSchema {
  return {
    type: 'string',
    title: 'FailureCode',
    enum: publicFailureCodes(),
    description: 'Every failureCode the API answers with (docs/errors.md says what each means and what to do)',
  };
}
