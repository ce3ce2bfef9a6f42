/**
 * Seeds a local runtime's identity hash key before it starts: the runtime generates a secret only when
 * its data directory has none, so an e2e test that writes TEST_HASH_KEY first knows the key the
 * functions hash with — and can name the profiles they create (profileIdFor) before they exist, as
 * the journeys' arm searches must.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_HASH_KEY } from './hasher.js';

type Template = {
  Resources: Record<
    string,
    { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
};

/** The logical id of the secret the functions' IDENTITY_HMAC_KEY_ARN names in the assembly's template. */
export function hashKeySecretId(assemblyDir: string, stackName = 'Feltfit'): string {
  const template = JSON.parse(
    readFileSync(join(assemblyDir, `${stackName}.template.json`), 'utf8'),
  ) as Template;
  for (const resource of Object.values(template.Resources)) {
    const ref = resource.Properties?.Environment?.Variables?.IDENTITY_HMAC_KEY_ARN as
      | { Ref?: string }
      | undefined;
    if (resource.Type === 'AWS::Lambda::Function' && typeof ref?.Ref === 'string') return ref.Ref;
  }
  throw new Error(`no function of ${assemblyDir} names IDENTITY_HMAC_KEY_ARN`);
}

/** Writes `key` as the data directory's identity hash key secret (mode 0600), unless one is there. */
export function seedLocalHashKey(dataDir: string, assemblyDir: string, key = TEST_HASH_KEY): void {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, `${hashKeySecretId(assemblyDir)}.secret`);
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
}
