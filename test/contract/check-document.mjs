// Checks an OpenAPI document with three tools nobody here wrote, as a merchant's developer would before generating a
// client: @apidevtools/swagger-parser (validate), @seriousme/openapi-schema-validator (the official JSON schema of
// OpenAPI 3.0) and Redocly's `recommended` lint rules. Run by test/integration/api-contract.int-spec.ts in a child
// process (the last two ship as ES modules only); prints one JSON line: { swaggerParser, schemaValidator, redocly }.
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const path = process.argv[2];
const text = readFileSync(path, 'utf8');

const result = { swaggerParser: [], schemaValidator: [], redocly: { errors: [], warnings: [] } };

try {
  await SwaggerParser.validate(JSON.parse(text));
} catch (error) {
  result.swaggerParser.push(String(error.message ?? error));
}

const validator = new Validator();
const validation = await validator.validate(JSON.parse(text));
if (!validation.valid) result.schemaValidator = validation.errors;

const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source: text, absoluteRef: path, config });
for (const problem of problems) {
  const entry = `${problem.ruleId}: ${problem.message} at ${problem.location?.[0]?.pointer ?? ''}`;
  (problem.severity === 'error' ? result.redocly.errors : result.redocly.warnings).push(entry);
}

process.stdout.write(`${JSON.stringify(result)}\n`);
