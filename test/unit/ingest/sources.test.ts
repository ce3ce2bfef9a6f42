import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../../shared/domain/errors.js';
import {
  cachedResolver,
  createSource,
  hashWriteKey,
  resolveWriteKey,
  revokeSource,
} from '../../../shared/domain/sources.js';
import type { ResolvedSource, Source, SourceStore } from '../../../shared/ports/sources.js';

class MemorySourceStore implements SourceStore {
  readonly sources = new Map<string, Source & { keyHash?: string }>();
  readonly keys = new Map<string, ResolvedSource>();
  async create(s: { name: string; sourceId: string; keyHash: string; createdAt: string }) {
    if (this.sources.get(s.name)?.status === 'active') throw new ConflictError('source_exists', 'exists');
    this.sources.set(s.name, { ...s, status: 'active' });
    this.keys.set(s.keyHash, { sourceId: s.sourceId, name: s.name });
  }
  async revoke(name: string, revokedAt: string) {
    const s = this.sources.get(name);
    if (s?.status !== 'active' || !s.keyHash) throw new NotFoundError('source_not_found', 'none');
    this.keys.delete(s.keyHash);
    this.sources.set(name, { ...s, status: 'revoked', revokedAt });
  }
  async findByKeyHash(keyHash: string) {
    return this.keys.get(keyHash);
  }
  async list() {
    return [...this.sources.values()];
  }
}

const deps = (sources = new MemorySourceStore()) => ({
  sources,
  now: () => new Date('2024-05-01T00:00:00Z'),
});

describe('sources', () => {
  it('creates a source whose key is ff_ plus 32 random bytes and is stored only as a hash', async () => {
    const d = deps();
    const { writeKey, source } = await createSource(d, 'web-shop');
    expect(writeKey).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
    expect(source).toMatchObject({ name: 'web-shop', sourceId: 'web-shop', status: 'active' });
    expect(JSON.stringify([...d.sources.sources.values(), ...d.sources.keys.keys()])).not.toContain(writeKey);
    expect(d.sources.keys.has(hashWriteKey(writeKey))).toBe(true);
  });

  it('resolves a key to its source until the source is revoked', async () => {
    const d = deps();
    const { writeKey } = await createSource(d, 'ios');
    expect(await resolveWriteKey(d.sources, writeKey)).toEqual({ sourceId: 'ios', name: 'ios' });
    await revokeSource(d, 'ios');
    expect(await resolveWriteKey(d.sources, writeKey)).toBeUndefined();
  });

  it.each(['Web', 'web_shop', '1web', '', 'a'.repeat(64), 'wéb'])('refuses the name %j', async (name) => {
    await expect(createSource(deps(), name)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('refuses to create a second active source with the same name', async () => {
    const d = deps();
    await createSource(d, 'web');
    await expect(createSource(d, 'web')).rejects.toMatchObject({ code: 'source_exists' });
  });

  it('does not look up keys that are not Feltfit keys', async () => {
    let lookups = 0;
    const store = {
      findByKeyHash: async () => {
        lookups++;
        return undefined;
      },
    };
    expect(await resolveWriteKey(store, 'not-a-key')).toBeUndefined();
    expect(lookups).toBe(0);
  });
});

describe('cachedResolver', () => {
  it('resolves a key once per 30 s window, so revocation takes effect within 30 s', async () => {
    let now = 0;
    let calls = 0;
    let known = true;
    const resolve = cachedResolver(
      async () => {
        calls++;
        return known ? { sourceId: 's', name: 's' } : undefined;
      },
      { now: () => now },
    );
    expect(await resolve('k')).toBeDefined();
    known = false;
    now = 29_999;
    expect(await resolve('k')).toBeDefined();
    expect(calls).toBe(1);
    now = 30_000;
    expect(await resolve('k')).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('forgets unknown keys sooner, so a new key works within seconds', async () => {
    let now = 0;
    let known = false;
    const resolve = cachedResolver(async () => (known ? { sourceId: 's', name: 's' } : undefined), {
      now: () => now,
    });
    expect(await resolve('k')).toBeUndefined();
    known = true;
    now = 5_000;
    expect(await resolve('k')).toBeDefined();
  });
});
