/**
 * The identity hash keyring a CLI command hashes with, so its lookups and rehashes match the functions':
 * FELTFIT_IDENTITY_HMAC_KEY (the secret's value: `aws secretsmanager get-secret-value --secret-id
 * <IdentityHashKey ARN> --query SecretString --output text`), else the running local runtime's key
 * (runtime.json names the secret; the runtime keeps it in `<data dir>/secrets/`, mode 0600).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type KeyedHasher, keyedHasher, parseKeyring } from '../../shared/domain/privacy/keyed-hash.js';
import { readRuntimeFile, TargetNotFoundError } from './target.js';

/** The hasher of FELTFIT_IDENTITY_HMAC_KEY or of the local runtime; TargetNotFoundError when neither. */
export async function resolveHasher(env: Record<string, string | undefined>): Promise<KeyedHasher> {
  if (env.FELTFIT_IDENTITY_HMAC_KEY)
    return keyedHasher(parseKeyring(env.FELTFIT_IDENTITY_HMAC_KEY, 'FELTFIT_IDENTITY_HMAC_KEY'));
  const hint = 'no identity hash key: set FELTFIT_IDENTITY_HMAC_KEY to the IdentityHashKey secret';
  const runtime = await readRuntimeFile(env, hint);
  const arn = runtime.env.IDENTITY_HMAC_KEY_ARN;
  if (!arn) throw new TargetNotFoundError(`${hint} (${runtime.file} names no env.IDENTITY_HMAC_KEY_ARN)`);
  const file = join(env.FELTFIT_DATA_DIR ?? '.feltfit', 'secrets', `${arn.split(':').pop()}.secret`);
  let value: string;
  try {
    value = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TargetNotFoundError(`${hint} (cannot read ${file})`, { cause });
  }
  return keyedHasher(parseKeyring(value, file));
}
