/**
 * The hash keyring of a function, read once at cold start: `IDENTITY_HMAC_KEY` (tests, the CLI) or the
 * Secrets Manager secret `IDENTITY_HMAC_KEY_ARN` through the Parameters and Secrets extension (AWS; the
 * local runtime serves the same interface from its data directory). A function that hashes and cannot
 * read the key fails here, at cold start: nothing falls back to an unkeyed hash.
 */
import { type KeyedHasher, keyedHasher, parseKeyring } from '../domain/privacy/keyed-hash.js';
import { loadSecret } from './secrets.js';

/** The keyed hasher of this environment; throws SecretUnavailableError or HashKeyUnavailableError. */
export async function loadHasher(
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<KeyedHasher> {
  const value = await loadSecret('IDENTITY_HMAC_KEY', env, fetchImpl);
  return keyedHasher(
    parseKeyring(value, env.IDENTITY_HMAC_KEY ? 'IDENTITY_HMAC_KEY' : 'IDENTITY_HMAC_KEY_ARN'),
  );
}
