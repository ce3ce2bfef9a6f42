/**
 * The identity hash keyring a CLI command hashes with, so its lookups and rehashes match the functions':
 * FELTFIT_IDENTITY_HMAC_KEY (the secret's value: `aws secretsmanager get-secret-value --secret-id
 * <IdentityHashKey ARN> --query SecretString --output text`), else the running local runtime's key
 * (runtime.json names the secret; the runtime keeps it in `<data dir>/secrets/`, mode 0600).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type KeyedHasher,
  type Keyring,
  keyedHasher,
  parseKeyring,
} from '../../shared/domain/privacy/keyed-hash.js';
import { readRuntimeFile, TargetNotFoundError } from './target.js';

const HINT = 'no identity hash key: set FELTFIT_IDENTITY_HMAC_KEY to the IdentityHashKey secret';

/** The local runtime's secret file of the identity hash key (runtime.json names the secret). */
export async function localHashKeyFile(env: Record<string, string | undefined>): Promise<string> {
  const runtime = await readRuntimeFile(env, HINT);
  const arn = runtime.env.IDENTITY_HMAC_KEY_ARN;
  if (!arn) throw new TargetNotFoundError(`${HINT} (${runtime.file} names no env.IDENTITY_HMAC_KEY_ARN)`);
  return join(env.FELTFIT_DATA_DIR ?? '.feltfit', 'secrets', `${arn.split(':').pop()}.secret`);
}

/**
 * The keyring of FELTFIT_IDENTITY_HMAC_KEY or of the local runtime (`file`: where it was read);
 * TargetNotFoundError when neither.
 */
export async function resolveKeyring(
  env: Record<string, string | undefined>,
): Promise<{ readonly keyring: Keyring; readonly file?: string }> {
  if (env.FELTFIT_IDENTITY_HMAC_KEY)
    return { keyring: parseKeyring(env.FELTFIT_IDENTITY_HMAC_KEY, 'FELTFIT_IDENTITY_HMAC_KEY') };
  const file = await localHashKeyFile(env);
  let value: string;
  try {
    value = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TargetNotFoundError(`${HINT} (cannot read ${file})`, { cause });
  }
  return { keyring: parseKeyring(value, file), file };
}

/** The hasher of FELTFIT_IDENTITY_HMAC_KEY or of the local runtime; TargetNotFoundError when neither. */
export async function resolveHasher(env: Record<string, string | undefined>): Promise<KeyedHasher> {
  return keyedHasher((await resolveKeyring(env)).keyring);
}
