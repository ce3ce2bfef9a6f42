/**
 * Event sources and their write keys. A key is `ff_` + 32 random bytes (base64url); only its SHA-256
 * is stored, so the clear key exists once: in the output of `feltfit sources create`.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { SourceName } from '../api/overview.js';
import type { ResolvedSource, Source, SourceStore } from '../ports/sources.js';
import { InvalidRequestError } from './errors.js';

// The name's schema lives with the API types, so the console's form checks it without server code.
export { SourceName } from '../api/overview.js';

/** Keys Feltfit generates look like `ff_` + 43 characters; operators may register their own (16–128 URL-safe characters, e.g. Segment-style keys). */
const WRITE_KEY = /^[A-Za-z0-9_.-]{16,128}$/;

/** The rule ingest applies to a write key, in words: `npm start` refuses a configured key that breaks it. */
export const WRITE_KEY_RULE = '16–128 characters of A–Z a–z 0–9 _ . -';

/** Whether ingest would even look a key up: keys that break WRITE_KEY_RULE are refused unread. */
export function isWellFormedWriteKey(writeKey: string): boolean {
  return WRITE_KEY.test(writeKey);
}

/** Hex SHA-256 of a write key: its only stored form. */
export function hashWriteKey(writeKey: string): string {
  return createHash('sha256').update(writeKey, 'utf8').digest('hex');
}

/** A fresh write key. */
export function generateWriteKey(randomBytes: (n: number) => Buffer = nodeRandomBytes): string {
  return `ff_${randomBytes(32).toString('base64url')}`;
}

/** Ports and capabilities the source use cases need. */
export interface SourceDeps {
  readonly sources: SourceStore;
  readonly now: () => Date;
  readonly randomBytes?: (n: number) => Buffer;
}

function validName(name: string): string {
  const parsed = SourceName.safeParse(name);
  if (!parsed.success) {
    throw new InvalidRequestError(
      'invalid_source_name',
      `invalid source name '${name}': ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/** Creates a source and returns its write key, which is not stored and cannot be shown again. */
export async function createSource(
  deps: SourceDeps,
  name: string,
): Promise<{ source: Source; writeKey: string }> {
  const sourceName = validName(name);
  const writeKey = generateWriteKey(deps.randomBytes);
  const createdAt = deps.now().toISOString();
  // The source id is the name: readable in reports, and stable when a revoked source is re-created.
  await deps.sources.create({
    name: sourceName,
    sourceId: sourceName,
    keyHash: hashWriteKey(writeKey),
    createdAt,
  });
  return { source: { name: sourceName, sourceId: sourceName, status: 'active', createdAt }, writeKey };
}

/** Revokes a source: its key stops resolving (ingest caches resolutions for up to 30 s). */
export async function revokeSource(deps: SourceDeps, name: string): Promise<void> {
  await deps.sources.revoke(validName(name), deps.now().toISOString());
}

/** The source a write key belongs to, or undefined. Malformed keys are rejected without a lookup. */
export async function resolveWriteKey(
  sources: Pick<SourceStore, 'findByKeyHash'>,
  writeKey: string,
): Promise<ResolvedSource | undefined> {
  if (!isWellFormedWriteKey(writeKey)) return undefined;
  return sources.findByKeyHash(hashWriteKey(writeKey));
}

/**
 * Caches write-key resolutions in memory for `ttlMs` (default 30 s), so a hot Lambda resolves each key
 * once per window. Consequence: a revoked key keeps working for up to `ttlMs`. Unknown keys are cached
 * for a shorter time (5 s), so a key created a moment ago is not refused for long. Bounded in size.
 */
export function cachedResolver(
  resolve: (writeKey: string) => Promise<ResolvedSource | undefined>,
  options: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number; now?: () => number } = {},
): (writeKey: string) => Promise<ResolvedSource | undefined> {
  const ttl = options.ttlMs ?? 30_000;
  const negativeTtl = options.negativeTtlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: ResolvedSource | undefined; expires: number }>();
  return async (writeKey) => {
    const hit = cache.get(writeKey);
    if (hit && hit.expires > now()) return hit.value;
    const value = await resolve(writeKey);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(writeKey, { value, expires: now() + (value ? ttl : negativeTtl) });
    return value;
  };
}
