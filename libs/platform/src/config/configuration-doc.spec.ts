import { readFileSync } from 'node:fs';
import { configSchemas } from '../../../../scripts/config-schemas';
import { CONFIG_DOC_PATH, configRows, renderConfigDoc } from '../../../../scripts/generate-config-doc';

describe('the configuration', () => {
  it('is what docs/configuration.md says (run `npm run docs:config` after changing a config schema)', () => {
    expect(readFileSync(CONFIG_DOC_PATH, 'utf8')).toBe(renderConfigDoc());
  });

  it('gives every variable a meaning, written once (the comment above its field, or the service registry)', () => {
    expect(configRows().filter((row) => row.meaning === '')).toEqual([]);
  });

  it('has no secret with a default: each is marked secret and refused when unset', () => {
    const secretLike = /SECRET|PASSWORD|TOKEN|PRIVATE_KEY|ENCRYPTION_KEY|CREDENTIAL/;
    const offenders: string[] = [];
    for (const [service, schema] of configSchemas()) {
      for (const [name, field] of Object.entries(schema)) {
        if (!secretLike.test(name) && !field.secret) continue;
        const hasDefault = (() => {
          try {
            field.parse(undefined, name);
            return true;
          } catch {
            return false;
          }
        })();
        if (!field.secret || hasDefault) offenders.push(`${service}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
