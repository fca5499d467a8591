import { type ConfigField, env } from '../config/config';

/**
 * Every service of the system, once: how it is reached (transport, the settings naming its host and port, their
 * defaults) and which services it calls. Each app's config takes its own address and the addresses of the services
 * it calls from here (serviceAddressSchema); the bootstrap listens where the registry says. The services' part of
 * docker-compose.yml, k8s/base/services.yaml and nest-cli.json's app projects are generated from it
 * (`npm run registry:generate`, scripts/registry.ts; service-registry.spec.ts fails until they are regenerated), and
 * `npm run stack` / `npm run start:service -- <name>` start its services. Adding a service: its entry here, nothing
 * else to register (docs/adding-a-service.md).
 */
export interface ServiceSpec {
  /** `tcp`: request/response over the RPC kit (@payment-ledger/rpc); `http`: a public HTTP app. */
  readonly transport: 'tcp' | 'http';
  /** Setting naming the host it listens on (and that its callers connect to). */
  readonly host: string;
  /** Setting naming its port. */
  readonly port: string;
  readonly defaultPort: number;
  /**
   * Whether it reads DATABASE_URL and KAFKA_BROKERS (its config spreads infrastructureConfigSchema): the deployment
   * files then give it both and start it after PostgreSQL and Kafka.
   */
  readonly infrastructure: boolean;
  /** Services it calls over RPC (their address settings are part of its config). */
  readonly calls: readonly string[];
  /**
   * Where it answers operations over plain HTTP (libs/platform ops-server.ts): `/metrics` for Prometheus, and
   * `/health/live` and `/health/ready`. An RPC service has no other HTTP port, so its probes go here; an HTTP service
   * (gateway, sandbox page) answers its probes on its own port as well, but `/metrics` only here: its own port is
   * what its Ingress exposes to the internet, this one only the cluster's Prometheus may reach (NetworkPolicy).
   */
  readonly opsPort: { readonly setting: string; readonly defaultPort: number };
}

export const SERVICE_REGISTRY = {
  gateway: {
    transport: 'http',
    host: 'GATEWAY_HOST',
    port: 'GATEWAY_PORT',
    defaultPort: 3000,
    opsPort: { setting: 'GATEWAY_OPS_PORT', defaultPort: 9300 },
    infrastructure: true,
    calls: ['charges', 'agreements', 'scheduler', 'refunds', 'webhooks', 'ledger'],
  },
  charges: {
    transport: 'tcp',
    host: 'CHARGES_TCP_HOST',
    port: 'CHARGES_TCP_PORT',
    defaultPort: 4010,
    opsPort: { setting: 'CHARGES_OPS_PORT', defaultPort: 9410 },
    infrastructure: true,
    calls: [],
  },
  agreements: {
    transport: 'tcp',
    host: 'AGREEMENTS_TCP_HOST',
    port: 'AGREEMENTS_TCP_PORT',
    defaultPort: 4020,
    opsPort: { setting: 'AGREEMENTS_OPS_PORT', defaultPort: 9420 },
    infrastructure: true,
    calls: ['charges'],
  },
  scheduler: {
    transport: 'tcp',
    host: 'SCHEDULER_TCP_HOST',
    port: 'SCHEDULER_TCP_PORT',
    defaultPort: 4030,
    opsPort: { setting: 'SCHEDULER_OPS_PORT', defaultPort: 9430 },
    infrastructure: true,
    calls: ['agreements'],
  },
  refunds: {
    transport: 'tcp',
    host: 'REFUNDS_TCP_HOST',
    port: 'REFUNDS_TCP_PORT',
    defaultPort: 4040,
    opsPort: { setting: 'REFUNDS_OPS_PORT', defaultPort: 9440 },
    infrastructure: true,
    calls: [],
  },
  webhooks: {
    transport: 'tcp',
    host: 'WEBHOOKS_TCP_HOST',
    port: 'WEBHOOKS_TCP_PORT',
    defaultPort: 4050,
    opsPort: { setting: 'WEBHOOKS_OPS_PORT', defaultPort: 9450 },
    infrastructure: true,
    calls: ['refunds', 'charges'],
  },
  ledger: {
    transport: 'tcp',
    host: 'LEDGER_TCP_HOST',
    port: 'LEDGER_TCP_PORT',
    defaultPort: 4060,
    opsPort: { setting: 'LEDGER_OPS_PORT', defaultPort: 9460 },
    infrastructure: true,
    calls: [],
  },
  sandbox: {
    transport: 'http',
    host: 'SANDBOX_HOST',
    port: 'SANDBOX_PORT',
    defaultPort: 3002,
    opsPort: { setting: 'SANDBOX_OPS_PORT', defaultPort: 9302 },
    infrastructure: false,
    calls: ['charges', 'agreements'],
  },
} as const satisfies Record<string, ServiceSpec>;

type Registry = typeof SERVICE_REGISTRY;
export type ServiceName = keyof Registry;
/** The services `N` calls. */
export type CalleeOf<N extends ServiceName> = Registry[N]['calls'][number] & ServiceName;
type Addressed<N extends ServiceName> = N | CalleeOf<N>;

/** The setting naming service `N`'s ops port. */
type OpsPortSetting<N extends ServiceName> = Registry[N]['opsPort']['setting'];

/** The config fields of a service's own address (and ops port) and of the services it calls. */
export type ServiceAddressSchema<N extends ServiceName> = {
  [K in Registry[Addressed<N>]['host']]: ConfigField<string>;
} & {
  [K in Registry[Addressed<N>]['port']]: ConfigField<number>;
} & {
  [K in OpsPortSetting<N>]: ConfigField<number>;
};

export function serviceSpec(name: ServiceName): ServiceSpec {
  return SERVICE_REGISTRY[name];
}

/**
 * Address settings for service `name`: where it listens (port 0: any free port), where it answers metrics (and an
 * RPC service its health probes): its ops port, on the same host (0: any free port); and where its callees are.
 */
export function serviceAddressSchema<N extends ServiceName>(name: N): ServiceAddressSchema<N> {
  const own: ServiceSpec = SERVICE_REGISTRY[name];
  const fields: Record<string, ConfigField<unknown>> = {
    [own.host]: env.string({ default: '127.0.0.1' }),
    [own.port]: env.int({ default: own.defaultPort, min: 0, max: 65535 }),
  };
  fields[own.opsPort.setting] = env.int({ default: own.opsPort.defaultPort, min: 0, max: 65535 });
  for (const callee of own.calls as readonly ServiceName[]) {
    const spec = SERVICE_REGISTRY[callee];
    fields[spec.host] = env.string({ default: '127.0.0.1' });
    fields[spec.port] = env.int({ default: spec.defaultPort, min: 1, max: 65535 });
  }
  return fields as ServiceAddressSchema<N>;
}

/** Host and port of service `name` as read from a loaded config. */
export function serviceAddress(name: ServiceName, config: object): { host: string; port: number } {
  const spec = SERVICE_REGISTRY[name];
  const values = config as Record<string, unknown>;
  return { host: String(values[spec.host]), port: Number(values[spec.port]) };
}

/**
 * Where service `name` answers operations over HTTP (metrics, health probes): its own host and its ops port as read
 * from a loaded config (the registry's default when the config has no such setting).
 */
export function opsAddress(name: ServiceName, config: object): { host: string; port: number } {
  const spec: ServiceSpec = SERVICE_REGISTRY[name];
  const value = (config as Record<string, unknown>)[spec.opsPort.setting];
  return {
    host: serviceAddress(name, config).host,
    port: value === undefined ? spec.opsPort.defaultPort : Number(value),
  };
}
