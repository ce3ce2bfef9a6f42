import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { profileIdFor } from '../../../shared/domain/profiles/identifiers.js';
import { type ProjectionInput, projectEvents } from '../../../shared/domain/profiles/project.js';
import { idKey } from '../../../shared/domain/profiles/resolve.js';
import { testHasher } from '../../support/hasher.js';
import { MemoryProfileStore } from './memory-store.js';
import { at, track } from './support.js';

const inputs = (messages: NormalisedMessage[]): ProjectionInput[] =>
  messages.map((message, i) => ({ id: String(i), message, key: { pk: 'E', sk: `M#${message.messageId}` } }));

function setup() {
  const store = new MemoryProfileStore();
  let reads = 0;
  const getProfile = store.getProfile.bind(store);
  store.getProfile = async (id: string) => {
    reads++;
    return getProfile(id);
  };
  const deps = {
    store,
    eraser: { deleteRawEvent: async () => {} },
    config: defaultProfilesConfig,
    hasher: testHasher,
    now: () => new Date('2024-05-02T00:00:00Z'),
  };
  return { store, deps, reads: () => reads };
}

const order = (id: string, minutes: number) =>
  track('Order Completed', { order_id: id, revenue: 10 }, { userId: 'u-1', timestamp: at(minutes) });

describe('creating a profile in the projection', () => {
  it('creates a new person’s profile without reading it first', async () => {
    const { store, deps, reads } = setup();
    const report = await projectEvents(deps, inputs([order('o1', 1), order('o2', 2)]));
    expect(report).toMatchObject({ failed: [], commits: 1 });
    expect(reads()).toBe(0);
    expect(store.profiles.size).toBe(1);
  });

  it('folds into a profile whose pointer the batch’s read missed: the create conflicts and the person is re-run', async () => {
    const { store, deps, reads } = setup();
    await projectEvents(deps, inputs([order('o1', 1)]));
    const profileId = profileIdFor({ type: 'userId', value: 'u-1' }, testHasher);
    // As an eventually consistent read of the index would: the profile is stored, its pointer unseen.
    const pointer = idKey({ type: 'userId', value: 'u-1' });
    store.pointers.delete(pointer);
    const lookup = store.lookupIdentifiers.bind(store);
    let lookups = 0;
    store.lookupIdentifiers = async (ids) => {
      if (lookups++ === 0) return new Map();
      store.pointers.set(pointer, profileId);
      return lookup(ids);
    };
    const report = await projectEvents(deps, inputs([order('o2', 2)]));
    expect(report.failed).toEqual([]);
    expect(reads()).toBeGreaterThan(0);
    expect(store.profiles.size).toBe(1);
    const profile = store.profiles.get(profileId)!;
    expect(profile.version).toBe(2);
    expect(Object.keys(profile.state.orders).sort()).toEqual(['o1', 'o2']);
  });
});
