import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig as config, ProfilesConfig } from '../../../shared/config/profiles.js';
import { keyedHasher } from '../../../shared/domain/privacy/keyed-hash.js';
import {
  identifierHash,
  identifiersOf,
  normaliseEmail,
  normalisePhone,
  profileIdFor,
} from '../../../shared/domain/profiles/identifiers.js';
import { idKey, planResolution } from '../../../shared/domain/profiles/resolve.js';
import { emptyState, type Identities } from '../../../shared/domain/profiles/state.js';
import { TEST_HASH_KEY, testHasher } from '../../support/hasher.js';
import { msg } from './support.js';

describe('identifier normalisation', () => {
  it('trims and lower-cases emails and rejects what is not one', () => {
    expect(normaliseEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normaliseEmail('ann at example')).toBeUndefined();
  });

  it.each([
    ['(415) 555-0100', 'US', '+14155550100'],
    ['1-415-555-0100', 'US', '+14155550100'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', 'US', '+442079460958'],
    ['030 1234567', 'DE', '+49301234567'],
  ])('writes %s (default %s) as %s', (raw, country, e164) => {
    expect(normalisePhone(raw, country)).toBe(e164);
  });

  it.each([['555-0100'], ['call me'], ['+0123456789'], ['12345']])('rejects %s', (raw) => {
    expect(normalisePhone(raw, 'US')).toBeUndefined();
  });

  it('takes identifiers from ids, traits, context and device, strongest first, ignoring blocked values', () => {
    const out = identifiersOf(
      msg({
        type: 'identify',
        userId: 'u1',
        anonymousId: 'anonymous',
        traits: { email: 'TEST@test.com', phone: '+1 415 555 0100' },
        context: { traits: { email: 'Ann@x.com' }, device: { id: 'dev-1' } },
      }),
      config,
    );
    expect(out.identifiers).toEqual([
      { type: 'userId', value: 'u1' },
      { type: 'email', value: 'ann@x.com' },
      { type: 'phone', value: '+14155550100' },
      { type: 'deviceId', value: 'dev-1' },
    ]);
    expect(out.ignored).toBe(2);
  });

  it('hashes identifiers with the keyed hasher, and names profiles deterministically', () => {
    const id = { type: 'email' as const, value: 'ann@x.com' };
    expect(identifierHash(id, testHasher)).toMatch(/^k1\.[0-9a-f]{64}$/);
    const other = keyedHasher({ current: 'k1', k1: 'another-identity-hash-key-0123456789abc' });
    expect(identifierHash(id, other)).not.toBe(identifierHash(id, testHasher));
    expect(profileIdFor(id, testHasher)).toBe(profileIdFor({ ...id }, testHasher));
    expect(profileIdFor(id, testHasher)).not.toBe(
      profileIdFor({ type: 'userId', value: 'ann@x.com' }, testHasher),
    );
  });

  it('names a profile with the keyed hash of its identifier under the current key', () => {
    const id = { type: 'email' as const, value: 'ann@x.com' };
    const profileId = profileIdFor(id, testHasher);
    expect(profileId).toMatch(/^pf_[0-9a-f]{32}$/);
    // Nobody without the key can name it from the email: not a SHA-256 of the identifier's text.
    for (const text of ['ann@x.com', 'email:ann@x.com', 'profile\u0000email\u0000ann@x.com'])
      expect(profileId).not.toBe(`pf_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
    expect(identifierHash(id, testHasher)).not.toContain(profileId.slice(3));
    const other = keyedHasher({ current: 'k1', k1: 'another-identity-hash-key-0123456789abc' });
    expect(profileIdFor(id, other)).not.toBe(profileId);
    // After a rotation new profiles are named under the new key; existing ids stay what they are.
    const rotated = keyedHasher({
      current: 'k2',
      k2: 'another-identity-hash-key-0123456789abc',
      k1: TEST_HASH_KEY,
    });
    expect(profileIdFor(id, rotated)).toBe(profileIdFor(id, other));
  });
});

const ids = (partial: Partial<Record<keyof Identities, string[]>>): Identities => ({
  ...emptyState().identities,
  ...partial,
});

describe('identity resolution plan', () => {
  const u1 = { type: 'userId' as const, value: 'u1' };
  const u2 = { type: 'userId' as const, value: 'u2' };
  const a1 = { type: 'anonymousId' as const, value: 'a1' };
  const e1 = { type: 'email' as const, value: 'e@x.com' };

  it('creates a profile named after the strongest identifier when none is known', () => {
    expect(planResolution([u1, a1], new Map(), new Map(), config, testHasher)).toEqual({
      target: profileIdFor(u1, testHasher),
      create: true,
      absorb: [],
      claims: [u1, a1],
      refused: [],
    });
  });

  it('merges an anonymous profile into the identified one', () => {
    const owners = new Map([
      [idKey(u1), 'P1'],
      [idKey(a1), 'P2'],
    ]);
    const identities = new Map([
      ['P1', ids({ userId: ['u1'] })],
      ['P2', ids({ anonymousId: ['a1'] })],
    ]);
    expect(planResolution([u1, a1], owners, identities, config, testHasher)).toMatchObject({
      target: 'P1',
      absorb: ['P2'],
      claims: [],
    });
  });

  it('never merges two userIds: the event goes to its own userId, the merge is refused', () => {
    const owners = new Map([[idKey(e1), 'P1']]);
    const identities = new Map([['P1', ids({ userId: ['u1'], email: ['e@x.com'] })]]);
    expect(planResolution([u2, e1], owners, identities, config, testHasher)).toEqual({
      target: profileIdFor(u2, testHasher),
      create: true,
      absorb: [],
      claims: [u2],
      refused: [{ profileId: 'P1', limitTypes: ['userId'] }],
    });
  });

  it('links new identifiers only up to the per-type limit', () => {
    const tight = ProfilesConfig.parse({
      identifierLimits: { userId: 1, email: 1, phone: 3, deviceId: 20, anonymousId: 100 },
    });
    const e2 = { type: 'email' as const, value: 'f@x.com' };
    const owners = new Map([[idKey(u1), 'P1']]);
    const identities = new Map([['P1', ids({ userId: ['u1'], email: ['e@x.com'] })]]);
    expect(planResolution([u1, e2, a1], owners, identities, tight, testHasher)).toMatchObject({
      target: 'P1',
      claims: [a1],
    });
  });
});
