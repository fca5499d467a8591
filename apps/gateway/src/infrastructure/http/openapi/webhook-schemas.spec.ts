import { WEBHOOK_EVENT_TYPE_DEFINITIONS, WEBHOOK_EVENT_TYPES } from '@payment-ledger/contracts';
import { ApiSchemas, type OpenApiSchema } from './api-schemas';
import { webhookDocument, webhookSchemaName } from './webhook-schemas';

describe('the webhooks in the OpenAPI document', () => {
  const schemas = new ApiSchemas();
  const webhooks = webhookDocument(schemas) as Record<string, { post: Record<string, never> }>;
  const components = schemas.components();

  it('has an x-webhooks entry and an envelope component schema for every webhook event type, and no other', () => {
    expect(Object.keys(webhooks)).toEqual([...WEBHOOK_EVENT_TYPES]);
    for (const type of WEBHOOK_EVENT_TYPES) {
      const name = webhookSchemaName(type);
      expect(webhooks[type].post).toMatchObject({
        summary: type,
        requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } },
      });
      const envelope = components[name];
      expect(envelope.properties?.type).toEqual({ type: 'string', enum: [type] });
      expect(envelope.required).toEqual(
        expect.arrayContaining(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data']),
      );
    }
    expect(new Set(WEBHOOK_EVENT_TYPES.map(webhookSchemaName)).size).toBe(WEBHOOK_EVENT_TYPES.length);
  });

  it("gives data the object's own component schema, plus streamVersion for versioned objects", () => {
    for (const type of WEBHOOK_EVENT_TYPES) {
      const { dataSchema, objectType } = WEBHOOK_EVENT_TYPE_DEFINITIONS[type];
      const data = components[webhookSchemaName(type)].properties?.data as OpenApiSchema;
      const ref = { $ref: `#/components/schemas/${dataSchema}` };
      expect(components[dataSchema]).toBeDefined();
      if (objectType === 'webhook_endpoint') {
        expect(data).toEqual(ref);
      } else {
        expect(data.allOf?.[0]).toEqual(ref);
        expect(data.allOf?.[1]).toMatchObject({
          required: ['streamVersion'],
          properties: { streamVersion: { type: 'integer' } },
        });
      }
    }
  });

  it('says the Standard Webhooks headers on every webhook', () => {
    for (const type of WEBHOOK_EVENT_TYPES) {
      const headers = (webhooks[type].post.parameters as unknown as { name: string; in: string }[]).map(
        (p) => `${p.in}:${p.name}`,
      );
      expect(headers).toEqual(['header:webhook-id', 'header:webhook-timestamp', 'header:webhook-signature']);
    }
  });
});
