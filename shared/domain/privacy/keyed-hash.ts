/**
 * The one keyed hash of identifiers, contact addresses and person keys: HMAC-SHA-256 under a versioned
 * key, written `<keyId>.<64 hex>`. A dictionary of emails or phone numbers cannot be matched against
 * stored hashes without the key, and the key id in every hash says which key made it, so a key can be
 * rotated: writes use the current key, lookups try every key of the keyring (current first) until the
 * rehash (`feltfit keys rehash`) has moved what the previous key wrote. docs/privacy.md §8.
 */
import { createHmac } from 'node:crypto';
// zod/mini: every function that hashes loads this at cold start (ingest among them).
import * as z from 'zod/mini';

/** Shortest accepted key: 32 characters of a generated secret (≥ 190 bits of base62). */
export const MIN_HASH_KEY_LENGTH = 32;

const KeyId = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9]{0,7}$/, 'a key id is a lower-case letter and up to 7 letters or digits'));

/**
 * The secret's JSON: `{ "current": "k2", "k2": "<secret>", "k1": "<previous secret>" }`. Secrets
 * Manager generates the first version (`{"current":"k1","k1":…}`); a rotation adds a key and moves
 * `current`.
 */
export const Keyring = z.catchall(z.object({ current: KeyId }), z.string()).check(
  z.superRefine((ring, ctx) => {
    const keys = Object.entries(ring).filter(([id]) => id !== 'current');
    if (!keys.some(([id]) => id === ring.current))
      ctx.addIssue({ code: 'custom', message: `no key named by current ('${ring.current}')` });
    for (const [id, secret] of keys) {
      if (!KeyId.safeParse(id).success) ctx.addIssue({ code: 'custom', message: `invalid key id '${id}'` });
      else if (secret.length < MIN_HASH_KEY_LENGTH)
        ctx.addIssue({
          code: 'custom',
          message: `key '${id}' is shorter than ${MIN_HASH_KEY_LENGTH} characters`,
        });
    }
  }),
);
export type Keyring = z.infer<typeof Keyring>;

/** Raised when the hash key is missing or malformed: nothing may fall back to an unkeyed hash. */
export class HashKeyUnavailableError extends Error {
  override readonly name = 'HashKeyUnavailableError';
}

/** Hashes under the keyring: what writes store and what lookups try. */
export interface KeyedHasher {
  /** Id of the key writes use. */
  readonly currentKeyId: string;
  /** Every key id, current first. */
  readonly keyIds: readonly string[];
  /** `<currentKeyId>.<hex>`: the hash to store. */
  hash(data: string | Uint8Array): string;
  /** The hash under each key, current first: the hashes a lookup tries during a rotation. */
  candidates(text: string): string[];
  /** The hash under one named key (the rehash reads under the old key, writes under the new). */
  hashWith(keyId: string, data: string | Uint8Array): string;
}

/**
 * The keyring of a secret string: the JSON above, or a bare secret (a variable set by hand, tests),
 * which is key `k1`. Throws HashKeyUnavailableError naming `where` and what is wrong — never the value.
 */
export function parseKeyring(value: string | undefined, where: string): Keyring {
  const text = value?.trim() ?? '';
  if (!text) throw new HashKeyUnavailableError(`${where} is empty`);
  let candidate: unknown = { current: 'k1', k1: text };
  if (text.startsWith('{')) {
    try {
      candidate = JSON.parse(text);
    } catch {
      throw new HashKeyUnavailableError(`${where} is not valid JSON`);
    }
  }
  const parsed = Keyring.safeParse(candidate);
  if (!parsed.success)
    throw new HashKeyUnavailableError(`${where}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** The hasher of a keyring. */
export function keyedHasher(keyring: Keyring): KeyedHasher {
  const secrets = new Map(Object.entries(keyring).filter(([id]) => id !== 'current'));
  const keyIds = [
    keyring.current,
    ...[...secrets.keys()]
      .filter((id) => id !== keyring.current)
      .sort()
      .reverse(),
  ];
  const hashWith = (keyId: string, data: string | Uint8Array) => {
    const secret = secrets.get(keyId);
    if (secret === undefined) throw new HashKeyUnavailableError(`no hash key '${keyId}' in the keyring`);
    return `${keyId}.${createHmac('sha256', secret)
      .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
      .digest('hex')}`;
  };
  return {
    currentKeyId: keyring.current,
    keyIds,
    hash: (data) => hashWith(keyring.current, data),
    candidates: (text) => keyIds.map((id) => hashWith(id, text)),
    hashWith,
  };
}

/** The key id a stored hash was made with (`k1.ab…` → `k1`); undefined for anything else. */
export function keyIdOf(hash: string): string | undefined {
  const m = /^([a-z][a-z0-9]{0,7})\.[0-9a-f]{64}$/.exec(hash);
  return m?.[1];
}

/**
 * The keyring with one more key, made current: id `k<n+1>` after the highest `k<n>` (step 1 of a
 * rotation, docs/privacy.md §8). Older keys stay, so everything they hashed is still found.
 */
export function rotatedKeyring(
  ring: Keyring,
  secret: string,
): { readonly keyring: Keyring; readonly keyId: string } {
  const numbers = Object.keys(ring)
    .map((id) => /^k(\d+)$/.exec(id)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  const keyId = `k${Math.max(0, ...numbers) + 1}`;
  const keyring = Keyring.parse({ ...ring, [keyId]: secret, current: keyId });
  return { keyring, keyId };
}
