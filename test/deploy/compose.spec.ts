import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { SERVICE_REGISTRY, type ServiceName, shutdownConfigSchema } from '@payment-ledger/platform';

// docker-compose.yml as `docker compose` reads it (no Docker engine here to run it): the generated services are
// what the registry says, each healthy only when its /health/ready answers, started after what it needs.
const ROOT = join(__dirname, '..', '..');
type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
};
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const names = Object.keys(SERVICE_REGISTRY) as ServiceName[];
/** Probes ask an RPC service's ops port, an HTTP service's own port (the one taking its traffic). */
const healthPort = (name: ServiceName) => {
  const spec = SERVICE_REGISTRY[name];
  return spec.transport === 'http' ? spec.defaultPort : spec.opsPort.defaultPort;
};

describe('docker-compose.yml', () => {
  it('is a valid Compose file (the Compose Specification schema, as the docker-compose package ships it)', () => {
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', 'docker-compose', 'schema', 'compose-spec.json'), 'utf8'),
    ) as Record<string, unknown>;
    delete schema.$schema; // draft-07, Ajv's default
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('runs PostgreSQL, Kafka, the migrations and every service of the registry, nothing else', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'migrate', 'postgres', ...names].sort());
  });

  it('gives Kafka a listener the other containers reach (kafka:19092) besides the host one', () => {
    const kafka = compose.services.kafka.environment!;
    expect(kafka.KAFKA_ADVERTISED_LISTENERS.split(',')).toEqual(
      expect.arrayContaining(['PLAINTEXT://127.0.0.1:9092', 'INTERNAL://kafka:19092']),
    );
    expect(kafka.KAFKA_LISTENERS).toContain('INTERNAL://:19092');
    expect(kafka.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toContain('INTERNAL:PLAINTEXT');
    for (const name of ['postgres', 'kafka']) expect(compose.services[name].healthcheck?.test).toBeDefined();
  });

  it('migrates once, from the image, after PostgreSQL is healthy', () => {
    const migrate = compose.services.migrate;
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.build).toBeDefined();
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
  });

  it.each(names)('%s: from the image, listening on 0.0.0.0, healthy when /health/ready answers', (name) => {
    const spec = SERVICE_REGISTRY[name];
    const service = compose.services[name];
    expect(service.image).toBe(compose.services.migrate.image);
    expect(service.command).toEqual([name]);
    expect(service.environment?.[spec.host]).toBe('0.0.0.0');
    const test = service.healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']); // the slim image has no curl
    expect(test[3]).toContain(`fetch('http://127.0.0.1:${healthPort(name)}/health/ready')`);
    expect(service.environment?.[spec.opsPort.setting]).toBe(String(spec.opsPort.defaultPort));
    // Only an HTTP service's own port reaches the host; its ops port (/metrics) stays inside compose's network.
    const published = spec.transport === 'http' ? [`127.0.0.1:${spec.defaultPort}:${spec.defaultPort}`] : undefined;
    expect((service as { ports?: string[] }).ports).toEqual(published);
    // Compose's 10 s default would kill it mid-drain: its stop grace covers SHUTDOWN_TIMEOUT_MS (default).
    const graceSeconds = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '10s')?.[1]);
    expect(graceSeconds * 1000).toBeGreaterThan(shutdownConfigSchema.SHUTDOWN_TIMEOUT_MS.parse(undefined, 'x'));
  });

  it.each(names)('%s: starts after PostgreSQL, Kafka and the migrations (if it uses them) and its callees', (name) => {
    const spec = SERVICE_REGISTRY[name];
    const expected: Record<string, { condition: string }> = {};
    if (spec.infrastructure) {
      expected.postgres = { condition: 'service_healthy' };
      expected.kafka = { condition: 'service_healthy' };
      expected.migrate = { condition: 'service_completed_successfully' };
    }
    for (const callee of spec.calls) expected[callee] = { condition: 'service_healthy' };
    expect(compose.services[name].depends_on ?? {}).toEqual(expected);
    const environment = compose.services[name].environment ?? {};
    if (spec.infrastructure) {
      expect(environment.KAFKA_BROKERS).toBe('kafka:19092');
      expect(environment.DATABASE_URL).toMatch(/@postgres:5432\//);
    }
  });

  it('runs the migrations as the owner and every service as the restricted login PostgreSQL’s container makes', () => {
    const postgres = compose.services.postgres as ComposeService & { volumes?: string[] };
    const login = postgres.environment?.SERVICE_DATABASE_LOGIN;
    expect(login).toBe('payment_ledger_app');
    expect(postgres.volumes).toEqual(
      expect.arrayContaining([
        './docker/postgres/service-login.sql:/payment-ledger/service-login.sql:ro',
        expect.stringMatching(/^\.\/docker\/postgres\/create-service-login\.sh:\/docker-entrypoint-initdb\.d\//),
      ]),
    );
    expect(new URL(compose.services.migrate.environment!.DATABASE_URL).username).toBe('postgres');
    for (const name of names.filter((n) => SERVICE_REGISTRY[n].infrastructure)) {
      const url = compose.services[name].environment!.DATABASE_URL;
      expect({ name, url }).toEqual({
        name,
        url: `postgres://${login}:\${SERVICE_DATABASE_PASSWORD:?}@postgres:5432/payment_ledger`,
      });
    }
  });

  it('writes down no secret: each comes from the environment of `docker compose`, which refuses to run without it', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!/SECRET|PASSWORD|TOKEN|(^|_)KEY(S)?$/.test(key)) continue;
        expect({ name, key, value }).toEqual({ name, key, value: `\${${key}:?}` });
      }
    }
    expect(compose.services.charges.environment?.RPC_SIGNING_SECRETS).toBe('${RPC_SIGNING_SECRETS:?}');
  });
});
