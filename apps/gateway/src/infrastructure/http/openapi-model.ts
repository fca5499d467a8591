import type { Type } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions, ApiSchema } from '@nestjs/swagger';
import type { JsonSchema } from './body-schema';

/**
 * The OpenAPI document's model of a body, made from the body's schema (body-schema.ts): @nestjs/swagger builds the
 * document from decorated classes, so each titled object schema becomes a class of that name whose properties are
 * decorated with the schema's own keywords. Nothing about a field is written twice: its constraints in the
 * document are those ajv checks. (One thing swagger cannot say on a model: `additionalProperties: false`.)
 */
export function openApiModel(schema: JsonSchema): Type<unknown> {
  if (schema.type !== 'object' || !schema.title) throw new Error('An OpenAPI model is made from a titled object');
  const known = models.get(schema.title);
  if (known) return known;
  const model = class {};
  ApiSchema({ name: schema.title })(model);
  const required = new Set(schema.required ?? []);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    ApiProperty({ ...propertyOptions(property), required: required.has(key) } as ApiPropertyOptions)(
      model.prototype,
      key,
    );
  }
  models.set(schema.title, model);
  return model;
}

/**
 * Models by title: a titled object is one model wherever it is used, also when a body describes it its own way
 * (`{ ...amount, description }`), which is said on the property that refers to the model.
 */
const models = new Map<string, Type<unknown>>();

/** A titled object (or an array of them) is a reference to its own model; anything else is written as it is. */
function propertyOptions(schema: JsonSchema): ApiPropertyOptions {
  if (schema.type === 'object' && schema.title) {
    const { nullable, description, example } = schema;
    return { type: () => openApiModel(schema), nullable, description, example };
  }
  if (schema.type === 'array' && schema.items?.type === 'object' && schema.items.title) {
    const { items, type: _array, ...constraints } = schema;
    return { ...constraints, type: [openApiModel(items)] } as ApiPropertyOptions;
  }
  return schema as ApiPropertyOptions;
}
