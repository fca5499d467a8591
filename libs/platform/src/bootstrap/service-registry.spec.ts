import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretSettingsOf } from '../../../../scripts/config-schemas';
import { generatedFiles, servicesInStartOrder } from '../../../../scripts/registry';
import { SERVICE_REGISTRY, serviceAddressSchema, type ServiceName } from './service-registry';

const ROOT = join(__dirname, '..', '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const folders = (path: string) =>
  readdirSync(join(ROOT, path), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
// js-yaml ships with the toolchain (eslint, @nestjs/swagger); it only reads the deployment files here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { load, loadAll } = require('js-yaml') as { load(text: string): unknown; loadAll(text: string): unknown[] };

const names = Object.keys(SERVICE_REGISTRY) as ServiceName[];
type Env = Record<string, string>;

/** What a deployment file must say for `name`: its own address settings and its callees', as the registry names them. */
function expectedAddresses(name: ServiceName, calleeHost: (callee: ServiceName) => string): Env {
  const own = SERVICE_REGISTRY[name];
  const env: Env = { [own.host]: '0.0.0.0', [own.port]: String(own.defaultPort) };
  for (const callee of own.calls as readonly ServiceName[]) {
    const spec = SERVICE_REGISTRY[callee];
    env[spec.host] = calleeHost(callee);
    env[spec.port] = String(spec.defaultPort);
  }
  return env;
}

describe('service registry', () => {
  it('gives each service its own address settings (and ops port) and those of the services it calls, nothing else', () => {
    expect(Object.keys(serviceAddressSchema('agreements')).sort()).toEqual(
      [
        'AGREEMENTS_TCP_HOST',
        'AGREEMENTS_TCP_PORT',
        'AGREEMENTS_OPS_PORT',
        'CHARGES_TCP_HOST',
        'CHARGES_TCP_PORT',
      ].sort(),
    );
    expect(Object.keys(serviceAddressSchema('charges')).sort()).toEqual(
      ['CHARGES_OPS_PORT', 'CHARGES_TCP_HOST', 'CHARGES_TCP_PORT'].sort(),
    );
    expect(Object.keys(serviceAddressSchema('gateway')).filter((key) => key.endsWith('_OPS_PORT'))).toEqual([
      'GATEWAY_OPS_PORT', // its metrics; the ops ports of the services it calls are none of its business
    ]);
    for (const name of names) {
      for (const callee of SERVICE_REGISTRY[name].calls) expect(names).toContain(callee);
    }
  });

  it('is the only place app configs get addresses from', () => {
    for (const app of folders('apps')) {
      for (const file of readdirSync(join(ROOT, 'apps', app, 'src')).filter((f) => f.endsWith('.config.ts'))) {
        expect({ file, text: read(`apps/${app}/src/${file}`) }).not.toEqual(
          expect.objectContaining({ text: expect.stringMatching(/_(TCP_)?(HOST|PORT): env\./) }),
        );
      }
    }
  });

  it('is what docker-compose.yml, k8s/base/services.yaml and nest-cli.json say (run `npm run registry:generate` after changing it)', () => {
    for (const file of generatedFiles()) {
      expect({ file: file.path, text: file.committed }).toEqual({ file: file.path, text: file.rendered });
    }
  });

  it('has an app for every service and a service for every app; infrastructure as its config says; no cycle', () => {
    expect(folders('apps').sort()).toEqual([...names].sort());
    for (const name of names) {
      const config = read(`apps/${name}/src/${name}.config.ts`);
      expect({ name, infrastructure: config.includes('...infrastructureConfigSchema') }).toEqual({
        name,
        infrastructure: SERVICE_REGISTRY[name].infrastructure,
      });
    }
    const order = servicesInStartOrder();
    expect([...order].sort()).toEqual([...names].sort());
    for (const name of names) {
      for (const callee of SERVICE_REGISTRY[name].calls) {
        expect(order.indexOf(callee as ServiceName)).toBeLessThan(order.indexOf(name));
      }
    }
  });

  // The generated files, read as their tools read them: what the registry says reaches them.
  it('docker-compose.yml: every service, its port and the addresses of its callees; no secret written down', () => {
    const compose = load(read('docker-compose.yml')) as {
      services: Record<string, { environment: Env; ports?: string[] }>;
    };
    for (const name of names) {
      const service = compose.services[name];
      expect(service).toBeDefined();
      expect(service.environment).toMatchObject(expectedAddresses(name, (callee) => callee));
      // Every secret it reads comes from compose's environment, which must set it (`:?`).
      expect(secretSettingsOf(name)).toContain('RPC_SIGNING_SECRETS');
      for (const secret of secretSettingsOf(name)) expect(service.environment[secret]).toBe(`\${${secret}:?}`);
      if (SERVICE_REGISTRY[name].transport === 'http') {
        const port = SERVICE_REGISTRY[name].defaultPort;
        expect(service.ports).toContain(`127.0.0.1:${port}:${port}`);
      }
    }
  });

  it('the Kubernetes manifests: a Deployment and a Service per service, ports and addresses; secrets references', () => {
    type Manifest = {
      kind: string;
      metadata: { name: string };
      spec: {
        ports?: { port: number }[];
        template?: {
          spec: {
            containers: {
              ports: { containerPort: number }[];
              env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
            }[];
          };
        };
      };
    };
    const manifests = loadAll(read('k8s/base/services.yaml')) as Manifest[];
    expect(read('k8s/base/kustomization.yaml')).toContain('services.yaml');
    for (const name of names) {
      const port = SERVICE_REGISTRY[name].defaultPort;
      const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === name);
      const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === name);
      expect(service?.spec.ports?.map((p) => p.port)).toEqual([port]);
      const container = deployment!.spec.template!.spec.containers[0];
      expect(container.ports.map((p) => p.containerPort)).toEqual([port, SERVICE_REGISTRY[name].opsPort.defaultPort]);
      const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      expect(env).toMatchObject(expectedAddresses(name, (callee) => callee));
      for (const secret of secretSettingsOf(name)) {
        expect(container.env.find((e) => e.name === secret)).toEqual({
          name: secret,
          valueFrom: { secretKeyRef: expect.any(Object) },
        });
      }
    }
  });

  it('nest-cli.json lists every app and every lib as a project', () => {
    const projects = (JSON.parse(read('nest-cli.json')) as { projects: Record<string, { type: string; root: string }> })
      .projects;
    for (const app of folders('apps')) {
      expect(projects[app]).toMatchObject({ type: 'application', root: `apps/${app}` });
    }
    // A library named as an app (libs/ledger, the rules of apps/ledger) is the project `<name>-lib`.
    for (const lib of folders('libs')) {
      const name = folders('apps').includes(lib) ? `${lib}-lib` : lib;
      expect(projects[name]).toMatchObject({ type: 'library', root: `libs/${lib}` });
    }
  });
});
