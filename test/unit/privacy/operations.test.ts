import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { keyedHasher } from '../../../shared/domain/privacy/keyed-hash.js';
import {
  erasePerson,
  exportPersonalData,
  findProfileView,
  getProfileView,
  parseLookupQuery,
  parseProfileId,
} from '../../../shared/domain/privacy/operations.js';
import { profileIdHash, resolvePerson } from '../../../shared/domain/privacy/person.js';
import { TEST_HASH_KEY, testHasher } from '../../support/hasher.js';
import { memoryAudit, memoryDirectory, memoryTombstones, profile, recordingHolder } from './support.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

/** Ann: live profile pf_a absorbed pf_b, which had absorbed pf_c; pf_x was a refused merge (another person). */
function ann() {
  return memoryDirectory(
    [
      profile(
        'pf_a',
        { userId: ['u-ann'], anonymousId: ['anon-1', 'anon-2'], email: ['ann@example.com'] },
        {
          consent: {
            'email:marketing': {
              t: Date.parse('2024-05-03T00:00:00Z'),
              m: 'm1',
              v: { granted: true, source: 'trait' },
            },
          },
          traits: { firstName: { t: 1, m: 'm0', v: 'Ann' } },
        },
      ),
      profile('pf_b', { anonymousId: ['anon-2'], deviceId: ['dev-9'] }, { mergedInto: 'pf_a' }),
      profile('pf_c', { phone: ['+15555550100'] }, { mergedInto: 'pf_b' }),
      profile('pf_x', { userId: ['u-other'] }),
    ],
    [
      ['pf_a', 'pf_b', 'merged'],
      ['pf_b', 'pf_c', 'merged'],
      ['pf_a', 'pf_x', 'refused'],
    ],
  );
}

describe('resolving a person', () => {
  it('follows merges transitively and unions the identifiers of every absorbed profile', async () => {
    const resolved = await resolvePerson(ann(), 'pf_c');
    expect(resolved?.person).toEqual({
      profileId: 'pf_a',
      mergedProfileIds: ['pf_b', 'pf_c'],
      userIds: ['u-ann'],
      anonymousIds: ['anon-1', 'anon-2'],
      emails: ['ann@example.com'],
      phones: ['+15555550100'],
      deviceIds: ['dev-9'],
    });
  });

  it('does not treat a refused merge as the same person', async () => {
    const resolved = await resolvePerson(ann(), 'pf_a');
    expect(resolved?.person.mergedProfileIds).not.toContain('pf_x');
    expect(resolved?.person.userIds).toEqual(['u-ann']);
  });
});

describe('looking a profile up', () => {
  it('finds the live profile by identifier, with features, consent state and identities', async () => {
    const view = await findProfileView(ann(), { type: 'anonymousId', value: 'anon-1' });
    expect(view).toMatchObject({
      profileId: 'pf_a',
      identities: { userId: ['u-ann'] },
      traits: { firstName: 'Ann' },
      consent: { 'email:marketing': { granted: true, source: 'trait', at: '2024-05-03T00:00:00.000Z' } },
      features: { consent: { 'email:marketing': true } },
      mergedProfileIds: ['pf_b', 'pf_c'],
    });
  });

  it('answers the live profile for the id of a merged one', async () => {
    expect((await getProfileView(ann(), 'pf_b')).profileId).toBe('pf_a');
  });

  it('raises profile_not_found for an unknown identifier or id', async () => {
    await expect(
      findProfileView(ann(), { type: 'email', value: 'nobody@example.com' }),
    ).rejects.toMatchObject({
      code: 'profile_not_found',
    });
    await expect(getProfileView(ann(), 'pf_zzz')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rejects an unknown identifier type, a missing value and a malformed profile id', () => {
    expect(() => parseLookupQuery({ type: 'ssn', value: '1' })).toThrow(
      expect.objectContaining({ code: 'invalid_query' }),
    );
    expect(() => parseLookupQuery({ type: 'email' })).toThrow(
      expect.objectContaining({ code: 'invalid_query' }),
    );
    expect(() => parseProfileId('pf/../x')).toThrow(expect.objectContaining({ code: 'invalid_profile_id' }));
    expect(parseLookupQuery({ type: 'phone', value: '+1 555' })).toEqual({ type: 'phone', value: '+1 555' });
  });
});

describe('exporting personal data', () => {
  it('collects each holder part under the holder name, for the live person', async () => {
    const log: string[] = [];
    const doc = await exportPersonalData(
      {
        directory: ann(),
        holders: [recordingHolder('events', log, [{ e: 1 }]), recordingHolder('profiles', log, { p: 1 })],
        now: () => NOW,
      },
      'pf_b',
    );
    expect(doc).toEqual({
      format: 'feltfit.personal-data.v1',
      exportedAt: NOW.toISOString(),
      profileId: 'pf_a',
      person: expect.objectContaining({ mergedProfileIds: ['pf_b', 'pf_c'] }),
      holders: { events: [{ e: 1 }], profiles: { p: 1 } },
    });
  });

  it('raises profile_not_found for an unknown profile', async () => {
    await expect(
      exportPersonalData({ directory: ann(), holders: [], now: () => NOW }, 'pf_none'),
    ).rejects.toMatchObject({ code: 'profile_not_found' });
  });
});

function eraseSetup() {
  const log: string[] = [];
  const directory = ann();
  const events = recordingHolder('events', log, undefined, 5);
  const profiles = recordingHolder('profiles', log, undefined, 7);
  const audit = memoryAudit(log);
  const tombstones = memoryTombstones(log);
  // The profiles holder really deletes: the person can no longer be found afterwards.
  const realErase = profiles.erase;
  profiles.erase = async (person) => {
    const n = await realErase(person);
    for (const id of [person.profileId, ...person.mergedProfileIds]) directory.profiles.delete(id);
    return n;
  };
  const deps = {
    directory,
    tombstones,
    holders: [events, profiles],
    audit,
    hasher: testHasher,
    now: () => NOW,
  };
  return { log, deps, events, profiles, audit, tombstones };
}

describe('erasing a person', () => {
  it('tombstones every identifier before any holder deletes, then erases the holders in order', async () => {
    const { log, deps, tombstones } = eraseSetup();
    const outcome = await erasePerson(deps, 'pf_a', 'cli:ops');
    expect(log).toEqual(['audit:started', 'tombstones', 'erase:events', 'erase:profiles', 'audit:completed']);
    expect(tombstones.ids).toEqual(
      expect.arrayContaining([
        { type: 'userId', value: 'u-ann' },
        { type: 'email', value: 'ann@example.com' },
        { type: 'phone', value: '+15555550100' },
        { type: 'deviceId', value: 'dev-9' },
        { type: 'anonymousId', value: 'anon-1' },
        { type: 'anonymousId', value: 'anon-2' },
      ]),
    );
    expect(outcome).toEqual({
      status: 'erased',
      profileIdHash: profileIdHash(testHasher, 'pf_a'),
      counts: { events: 5, profiles: 7 },
      tombstones: 6,
      erasedAt: NOW.toISOString(),
    });
  });

  it('files an audit record under every erased profile id that holds no personal data', async () => {
    const { deps, audit } = eraseSetup();
    await erasePerson(deps, 'pf_a', 'cli:ops');
    expect([...audit.records.keys()].sort()).toEqual(
      ['pf_a', 'pf_b', 'pf_c'].map((id) => profileIdHash(testHasher, id)).sort(),
    );
    const record = audit.records.get(profileIdHash(testHasher, 'pf_b'));
    expect(record).toMatchObject({
      status: 'completed',
      liveProfileIdHash: profileIdHash(testHasher, 'pf_a'),
      actor: 'cli:ops',
      counts: { events: 5, profiles: 7 },
    });
    const text = JSON.stringify([...audit.records.values()]);
    for (const personal of ['pf_a', 'pf_b', 'u-ann', 'ann@example.com', 'anon-1', '+15555550100', 'dev-9'])
      expect(text).not.toContain(personal);
  });

  it('answers already_erased when asked again, by the live or a merged id', async () => {
    const { deps, events } = eraseSetup();
    await erasePerson(deps, 'pf_a', 'cli:ops');
    for (const id of ['pf_a', 'pf_c']) {
      await expect(erasePerson(deps, id, 'cli:ops')).resolves.toMatchObject({
        status: 'already_erased',
        counts: { events: 5, profiles: 7 },
      });
    }
    expect(events.erased).toHaveLength(1);
  });

  it('names profiles in the audit by keyed hash, found again under the old key after a rotation', async () => {
    const { deps, audit } = eraseSetup();
    await erasePerson(deps, 'pf_a', 'cli:ops');
    const hash = profileIdHash(testHasher, 'pf_a');
    expect(hash).toMatch(/^k1\.[0-9a-f]{64}$/);
    const unkeyed = createHash('sha256').update('profile:pf_a').digest('hex');
    expect(JSON.stringify([...audit.records.entries()])).not.toContain(unkeyed);
    const rotated = keyedHasher({
      current: 'k2',
      k2: 'a-second-identity-hash-key-0123456789',
      k1: TEST_HASH_KEY,
    });
    await expect(erasePerson({ ...deps, hasher: rotated }, 'pf_c', 'cli:ops')).resolves.toMatchObject({
      status: 'already_erased',
      counts: { events: 5, profiles: 7 },
    });
  });

  it('can be run again after a holder failed midway, and then finishes', async () => {
    const { deps, events, profiles } = eraseSetup();
    events.fail = true;
    await expect(erasePerson(deps, 'pf_a', 'cli:ops')).rejects.toThrow('events unavailable');
    expect(profiles.erased).toHaveLength(0);
    await expect(erasePerson(deps, 'pf_a', 'cli:ops')).resolves.toMatchObject({ status: 'erased' });
    expect(profiles.erased).toHaveLength(1);
  });

  it('raises profile_not_found for an id that was never there', async () => {
    const { deps } = eraseSetup();
    await expect(erasePerson(deps, 'pf_never', 'cli:ops')).rejects.toMatchObject({
      code: 'profile_not_found',
    });
  });
});
