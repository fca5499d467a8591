/**
 * The API document as a contract the tests hold the gateway to: every answer a test gets through `apiClient`
 * (test/support/payment-stack.ts) is validated against the document the gateway serves at /docs-json — its status
 * must be documented for the operation, its required headers present and well-formed, its body valid against the
 * documented schema. Schemas are checked by ajv on the document dereferenced by @apidevtools/swagger-parser, in a
 * closed copy (`additionalProperties: false` on every object with properties), so an undocumented field fails as
 * surely as a missing or mistyped one; the published document stays open for additions.
 *
 * Every validated answer is recorded (operation and status), so the contract test can tell which operations and
 * documented errors the suites have actually seen.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as plain JSON */
type Json = any;

interface Operation {
  operationId: string;
  method: string;
  template: string;
  matcher: RegExp;
  responses: Record<string, { headers: Record<string, Json>; validate?: ValidateFunction }>;
}

export class ContractViolation extends Error {}

export class ApiContract {
  /** operationId → statuses answered. */
  readonly seen = new Map<string, Set<number>>();

  private constructor(
    readonly document: Json,
    private readonly operations: Operation[],
  ) {}

  static async load(baseUrl: string): Promise<ApiContract> {
    const response = await fetch(`${baseUrl}/docs-json`);
    if (!response.ok) throw new Error(`GET /docs-json answered ${response.status}`);
    const document = (await response.json()) as Json;
    const dereferenced = (await SwaggerParser.dereference(structuredClone(document))) as Json;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    // The request-only formats of the gateway's bodies (body-formats.ts); responses use standard ones.
    ajv.addFormat('http-url', true).addFormat('iso-3166-alpha-2', true);
    const operations: Operation[] = [];
    for (const [template, item] of Object.entries<Json>(dereferenced.paths)) {
      for (const [method, operation] of Object.entries<Json>(item)) {
        const responses: Operation['responses'] = {};
        for (const [status, answer] of Object.entries<Json>(operation.responses ?? {})) {
          const schema = answer.content?.['application/json']?.schema;
          responses[status] = { headers: answer.headers ?? {}, validate: schema && ajv.compile(closed(schema)) };
        }
        operations.push({
          operationId: operation.operationId,
          method: method.toUpperCase(),
          template,
          matcher: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
          responses,
        });
      }
    }
    return new ApiContract(document, operations);
  }

  /** The documented operation a request went to, if any (the docs and health routes are not operations). */
  operationOf(method: string, path: string): Operation | undefined {
    const pathname = path.split('?')[0];
    return this.operations.find((o) => o.method === method.toUpperCase() && o.matcher.test(pathname));
  }

  get operationIds(): string[] {
    return this.operations.map((o) => o.operationId);
  }

  /** The statuses the document gives an operation. */
  documentedStatuses(operationId: string): number[] {
    const operation = this.operations.find((o) => o.operationId === operationId);
    return Object.keys(operation?.responses ?? {}).map(Number);
  }

  /** Throws a ContractViolation saying what the answer got wrong; records it as seen otherwise. */
  check(method: string, path: string, status: number, headers: Headers, body: unknown): void {
    const operation = this.operationOf(method, path);
    if (!operation) return;
    const where = `${method} ${path} → ${status}`;
    const documented = operation.responses[String(status)];
    if (!documented) {
      throw new ContractViolation(`${where}: status not documented for ${operation.operationId}: ${show(body)}`);
    }
    for (const [name, header] of Object.entries<Json>(documented.headers)) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) throw new ContractViolation(`${where}: required header ${name} is missing`);
        continue;
      }
      if (header.schema?.type === 'integer' && !/^\d+$/.test(value)) {
        throw new ContractViolation(`${where}: header ${name} is not an integer: ${value}`);
      }
      if (header.schema?.enum && !header.schema.enum.includes(value)) {
        throw new ContractViolation(`${where}: header ${name} is not one of ${header.schema.enum}: ${value}`);
      }
    }
    if (documented.validate && !documented.validate(body)) {
      const problems = (documented.validate.errors ?? [])
        .map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`)
        .join('; ');
      throw new ContractViolation(`${where}: body does not match the document: ${problems}\n${show(body)}`);
    }
    this.record(operation.operationId, status);
  }

  /** Notes that an operation answered with a status (validated here, or by another gateway's contract). */
  record(operationId: string, status: number): void {
    let statuses = this.seen.get(operationId);
    if (!statuses) this.seen.set(operationId, (statuses = new Set()));
    statuses.add(status);
  }
}

/** A copy of a dereferenced schema in which no object may hold a field its schema does not name. */
function closed(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'properties' ? mapValues(value as Json, closed) : closed(value);
  }
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function mapValues(object: Json, f: (value: Json) => Json): Json {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, f(v)]));
}

function show(body: unknown): string {
  const text = JSON.stringify(body);
  return text && text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

const contracts = new Map<string, Promise<ApiContract>>();

/** The contract of the gateway at baseUrl, loaded once per gateway. */
export function apiContractOf(baseUrl: string): Promise<ApiContract> {
  let contract = contracts.get(baseUrl);
  if (!contract) contracts.set(baseUrl, (contract = ApiContract.load(baseUrl)));
  return contract;
}
