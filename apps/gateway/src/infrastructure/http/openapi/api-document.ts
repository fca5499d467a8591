import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { FastifyInstance } from 'fastify';
import { apiSchemas, bodyErrorResponses } from './api-operation';
import { webhookDocument } from './webhook-schemas';

export const API_DOCUMENT_PATH = '/docs-json';
export const API_REFERENCE_PATH = '/docs';

const description = (
  listWaitMs: number,
) => `Payment charges, payment agreements and refunds over an event-sourced ledger. Field names, statuses and rules
follow the public payment-charges API (Amazon Pay first). Amounts are integer minor units with an ISO 4217 currency.

- **Authentication**: \`Authorization: Bearer sk_sandbox_…\` (or \`sk_live_…\`). Sandbox and live keys belong to
  separate merchants; an id of another merchant's object answers 404.
- **Idempotency**: every POST takes \`Request-Idempotency-Key\` (or \`Idempotency-Key\`); a retry with the same key and
  body answers with the first response and \`Request-Idempotency: true\`.
- **Errors**: \`{ status, failureCode, failureMessage, timestamp, field?, currentStatus?, refundableAmount?, errors[]? }\`; branch on
  \`failureCode\` (the \`FailureCode\` enum; docs/errors.md says what to do for each).
- **Lists**: \`{ data, hasMore, nextCursor }\`; pass \`nextCursor\` as \`startingAfter\` for the next page. A list read
  right after a write waits up to ${listWaitMs} ms (GATEWAY_LIST_WAIT_MS) for every write committed before it to reach
  it, so it shows your own writes; past that bound it answers with what it has.
- **Rate limits**: per API key and per client address (per gateway replica); a 429 carries \`Retry-After\` and \`RateLimit-*\` headers.`;

/**
 * The OpenAPI document: routes and parameters as @nestjs/swagger finds them on the controllers, operations as their
 * `@ApiOperationDoc` says, models from the gateway's schemas (ApiSchemas). It is the contract merchants generate
 * clients from; test/integration/api-contract.int-spec.ts validates it with standard tools and checks every answer
 * of the integration suites against it.
 */
export function createApiDocument(app: INestApplication, settings: { listWaitMs: number }): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('payment-ledger API')
      .setDescription(description(settings.listWaitMs))
      .setVersion('1')
      .addServer('/', 'This gateway (the server that serves this document)')
      .addTag('payment-charges', 'One-time payments (seed 001): create, authenticate, capture, void')
      .addTag('payment-agreements', 'Recurring payment agreements (seed 001 "Recurring Payments") and their charges')
      .addTag('refunds', 'Refunds of captured charges (full, partial, multiple) and, in sandbox, simulated chargebacks')
      .addTag('webhooks', 'What we send to your webhook endpoints (`x-webhooks`; docs/webhooks.md)')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'sk_sandbox_<43 base64url characters> or sk_live_<…>',
        description:
          'Your secret API key, opaque (not a JWT): `sk_sandbox_` or `sk_live_` and 43 base64url characters. ' +
          'Shown once when it is created; only its SHA-256 digest is stored.',
      })
      .build(),
  );
  // A request that may carry a body is refused for one too large or not JSON even where the operation takes none.
  for (const item of Object.values(document.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation) operation.responses = { ...bodyErrorResponses(), ...operation.responses };
    }
  }
  // The webhooks we send (OpenAPI 3.0 has no `webhooks` section: an extension shaped like 3.1's), their envelopes
  // registered among the models first.
  const webhooks = webhookDocument(apiSchemas);
  // The models are plain JSON schema objects; @nestjs/swagger's SchemaObject type describes the same keywords.
  document.components = { ...document.components, schemas: apiSchemas.components() as Record<string, SchemaObject> };
  return Object.assign(document, { 'x-webhooks': webhooks });
}

/**
 * Serves the document (`/docs-json`) and a reference page made from it (`/docs`: Swagger UI, its files read once
 * from swagger-ui-dist and served from memory; no static-file plugin).
 */
export function registerApiDocs(fastify: FastifyInstance, document: OpenAPIObject): void {
  const json = JSON.stringify(document);
  fastify.get(API_DOCUMENT_PATH, (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(json);
  });
  const ui = swaggerUiFiles();
  fastify.get(API_REFERENCE_PATH, (_request, reply) => {
    void reply.type('text/html; charset=utf-8').send(REFERENCE_PAGE);
  });
  for (const [name, { type, content }] of Object.entries(ui)) {
    fastify.get(`${API_REFERENCE_PATH}/${name}`, (_request, reply) => {
      void reply.type(type).header('Cache-Control', 'public, max-age=3600').send(content);
    });
  }
}

const REFERENCE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>payment-ledger API reference</title>
<link rel="stylesheet" href="${API_REFERENCE_PATH}/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="${API_REFERENCE_PATH}/swagger-ui-bundle.js"></script>
<script src="${API_REFERENCE_PATH}/reference.js"></script>
</body>
</html>
`;

const REFERENCE_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '${API_DOCUMENT_PATH}',
  dom_id: '#reference',
  deepLinking: true,
  defaultModelsExpandDepth: 0,
  docExpansion: 'list',
});
`;

function swaggerUiFiles(): Record<string, { type: string; content: string }> {
  const dist = join(require.resolve('swagger-ui-dist/package.json'), '..');
  return {
    'swagger-ui.css': { type: 'text/css; charset=utf-8', content: readFileSync(join(dist, 'swagger-ui.css'), 'utf8') },
    'swagger-ui-bundle.js': {
      type: 'application/javascript; charset=utf-8',
      content: readFileSync(join(dist, 'swagger-ui-bundle.js'), 'utf8'),
    },
    'reference.js': { type: 'application/javascript; charset=utf-8', content: REFERENCE_SCRIPT },
  };
}
