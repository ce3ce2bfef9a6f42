/**
 * Finding a person: the live profile behind a profile id or an identifier, the profiles merged into it
 * (following `merged` MERGE# records, transitively) and the union of their identifiers.
 */
import type { IdentifierType } from '../../config/profiles.js';
import type { ErasureAudit, ErasureRecord, Person, PersonDirectory } from '../../ports/privacy.js';
import type { StoredProfile } from '../../ports/profiles.js';
import type { Identifier } from '../profiles/identifiers.js';
import type { KeyedHasher } from './keyed-hash.js';

/** Most profiles one person may span; a longer merge history is a data fault, not a person. */
const MAX_PROFILES = 1000;

/** A person and the live profile it was found through. */
export interface ResolvedPerson {
  readonly person: Person;
  readonly profile: StoredProfile;
}

const profileIdText = (profileId: string) => `profile:${profileId}`;

/**
 * The keyed hash (current key, `<keyId>.<hex>`) of a profile id: how audit records and job ids name a
 * profile without holding it. Keyed, so a profile id guessed from a list cannot be checked against the
 * audit without the key.
 */
export function profileIdHash(hasher: Pick<KeyedHasher, 'hash'>, profileId: string): string {
  return hasher.hash(profileIdText(profileId));
}

/**
 * The erasure record filed under a profile id, under whichever key of the keyring filed it (current
 * first): records are never rehashed — the erased profile id to rehash them from is gone.
 */
export async function findErasure(
  audit: Pick<ErasureAudit, 'get'>,
  hasher: Pick<KeyedHasher, 'candidates'>,
  profileId: string,
): Promise<ErasureRecord | undefined> {
  for (const hash of hasher.candidates(profileIdText(profileId))) {
    const record = await audit.get(hash);
    if (record) return record;
  }
  return undefined;
}

/** The person whose live profile is (or absorbed) `profileId`; undefined when there is none. */
export async function resolvePerson(
  directory: PersonDirectory,
  profileId: string,
): Promise<ResolvedPerson | undefined> {
  const live = await directory.getLiveProfile(profileId);
  if (!live) return undefined;
  return personOf(directory, live);
}

/** The person behind a live profile. */
export async function personOf(directory: PersonDirectory, live: StoredProfile): Promise<ResolvedPerson> {
  const ids: Record<IdentifierType, Set<string>> = {
    userId: new Set(),
    email: new Set(),
    phone: new Set(),
    deviceId: new Set(),
    anonymousId: new Set(),
  };
  const addIdentities = (p: StoredProfile) => {
    for (const [type, values] of Object.entries(p.state.identities) as [IdentifierType, string[]][]) {
      for (const v of values) ids[type]?.add(v);
    }
  };
  addIdentities(live);
  const seen = new Set([live.profileId]);
  const merged: string[] = [];
  const queue = [live.profileId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const item of await directory.listProfileItems(id)) {
      // Refused merges name a different person: only `merged` records are followed.
      if (!item.sk.startsWith('MERGE#') || item.outcome !== 'merged' || typeof item.loser !== 'string')
        continue;
      if (seen.has(item.loser) || seen.size >= MAX_PROFILES) continue;
      seen.add(item.loser);
      merged.push(item.loser);
      queue.push(item.loser);
      const loser = await directory.getProfile(item.loser);
      if (loser) addIdentities(loser);
    }
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    profile: live,
    person: {
      profileId: live.profileId,
      mergedProfileIds: merged.sort(),
      userIds: sorted(ids.userId),
      anonymousIds: sorted(ids.anonymousId),
      emails: sorted(ids.email),
      phones: sorted(ids.phone),
      deviceIds: sorted(ids.deviceId),
    },
  };
}

/** The person's identifiers, as the identity index and tombstones key them. */
export function identifiersOfPerson(person: Person): Identifier[] {
  return [
    ...person.userIds.map((value) => ({ type: 'userId' as const, value })),
    ...person.emails.map((value) => ({ type: 'email' as const, value })),
    ...person.phones.map((value) => ({ type: 'phone' as const, value })),
    ...person.deviceIds.map((value) => ({ type: 'deviceId' as const, value })),
    ...person.anonymousIds.map((value) => ({ type: 'anonymousId' as const, value })),
  ];
}
