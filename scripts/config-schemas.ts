/**
 * Each service's config schema, found by the apps' naming convention: apps/<name>/src/<name>.config.ts exports
 * `<name>ConfigSchema` (docs/adding-a-service.md). The deployment files (scripts/registry.ts) take the secrets a
 * service reads from it, and docs/configuration.md (scripts/generate-config-doc.ts) its every setting.
 */
import { join } from 'node:path';
import type { ConfigSchema } from '../libs/platform/src/config/config';
import { SERVICE_REGISTRY, type ServiceName } from '../libs/platform/src/bootstrap/service-registry';

const camelCase = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function configSchemaOf(name: ServiceName): ConfigSchema {
  const file = join(__dirname, '..', 'apps', name, 'src', `${name}.config`);
  const exportName = `${camelCase(name)}ConfigSchema`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = (require(file) as Record<string, ConfigSchema | undefined>)[exportName];
  if (!schema) throw new Error(`apps/${name}/src/${name}.config.ts exports no ${exportName}`);
  return schema;
}

/** Every service of the registry with its config schema, in registry order. */
export function configSchemas(): [ServiceName, ConfigSchema][] {
  return (Object.keys(SERVICE_REGISTRY) as ServiceName[]).map((name) => [name, configSchemaOf(name)]);
}

/** The settings of a service that hold secrets (they have no default and are never written into a file). */
export function secretSettingsOf(name: ServiceName): string[] {
  return Object.entries(configSchemaOf(name))
    .filter(([, field]) => field.secret === true)
    .map(([setting]) => setting);
}
