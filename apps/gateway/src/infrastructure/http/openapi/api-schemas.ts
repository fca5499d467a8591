import type { JsonSchema } from '../body-schema';

/** A schema as the OpenAPI 3.0 document writes it: JSON schema keywords, `$ref`s and `allOf`. */
export type OpenApiSchema = Omit<JsonSchema, 'items' | 'properties'> & {
  $ref?: string;
  allOf?: OpenApiSchema[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
};

/**
 * The document's `components.schemas`, made from the gateway's schemas (request bodies, body-schema.ts; responses,
 * response-schema.ts): every titled object becomes a named model, referred to by `$ref` wherever it is used, so a
 * client generated from the document gets one type per model (titled enums too: `FailureCode`). Written for OpenAPI 3.0 as read literally by strict
 * tools:
 * - a nullable object is written in place (`type: object, nullable: true`), never as a `$ref` beside `nullable`,
 *   which 3.0 does not allow null through;
 * - a model used with its own description is `allOf: [$ref]` with the description beside it (siblings of a bare
 *   `$ref` are ignored by 3.0);
 * - a request field's `default` is said in its description instead: a generator (openapi-typescript) makes a field
 *   with a default required, which would make the merchant send what the API fills in;
 * - an empty `required` list is left out (3.0 refuses one);
 * - a model's title is the key, so two different schemas under one title are a mistake, refused when the document
 *   is built.
 */
export class ApiSchemas {
  private readonly models = new Map<string, { schema: OpenApiSchema; shape: string }>();

  /** The schema as the document refers to it: a `$ref` to its model if it is titled (and not nullable). */
  ref(schema: JsonSchema): OpenApiSchema {
    if (schema.title && !schema.nullable) {
      const registered = this.register(schema.title, schema);
      const { description } = schema;
      const ref = { $ref: `#/components/schemas/${schema.title}` };
      return description && description !== registered.description ? { allOf: [ref], description } : ref;
    }
    return this.convert(schema);
  }

  /** Every model met so far, by title. */
  components(): Record<string, OpenApiSchema> {
    return Object.fromEntries([...this.models].map(([title, { schema }]) => [title, schema]));
  }

  private register(title: string, schema: JsonSchema): OpenApiSchema {
    const shape = shapeOf(schema);
    const known = this.models.get(title);
    if (known) {
      if (known.shape !== shape) throw new Error(`Two different schemas are titled ${title}`);
      return known.schema;
    }
    const entry = { schema: {} as OpenApiSchema, shape };
    this.models.set(title, entry);
    entry.schema = this.convert(schema);
    return entry.schema;
  }

  private convert(schema: JsonSchema): OpenApiSchema {
    const { items, properties, title: _title, default: defaultValue, required, ...rest } = schema;
    const converted: OpenApiSchema = { ...rest };
    // OpenAPI 3.0 allows no empty `required` list (a body whose fields are all optional has none).
    if (required && required.length > 0) converted.required = required;
    if (schema.title && !schema.nullable) converted.title = schema.title;
    if (defaultValue !== undefined) {
      const said = `Defaults to ${JSON.stringify(defaultValue)}.`;
      converted.description = rest.description ? `${rest.description}. ${said}` : said;
    }
    if (items) converted.items = this.ref(items);
    if (properties) {
      converted.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, this.ref(v)]));
    }
    return converted;
  }
}

/** A schema without its documentation: what must be the same for two uses of one title. */
function shapeOf(schema: JsonSchema): string {
  return JSON.stringify(bare(schema));
}

function bare(schema: JsonSchema): unknown {
  const { description: _d, example: _e, default: _default, items, properties, ...rest } = schema;
  return {
    ...rest,
    ...(items ? { items: bare(items) } : {}),
    ...(properties ? { properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, bare(v)])) } : {}),
  };
}
