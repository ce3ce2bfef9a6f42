/**
 * Privacy use cases, shared by the admin API and the CLI: look a profile up, export everything held
 * about a person, erase it. Pure: the stores come in as ports.
 */
import * as z from 'zod';
import { IdentifierType } from '../../config/profiles.js';
import type {
  ErasureAudit,
  ErasureRecord,
  Person,
  PersonalDataHolder,
  PersonDirectory,
} from '../../ports/privacy.js';
import type { ProfileStore } from '../../ports/profiles.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { ConsentSource } from '../profiles/consent.js';
import { type Contact, contactOf, featuresOf, type ProfileFeatures } from '../profiles/features.js';
import type { Identities } from '../profiles/state.js';
import type { KeyedHasher } from './keyed-hash.js';
import { findErasure, identifiersOfPerson, personOf, profileIdHash, resolvePerson } from './person.js';

/** A profile id as it appears in a path (`pf_…`; generous, but no separators or control characters). */
export const ProfileId = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/);

/** Query of `GET /admin/profiles` and `feltfit profiles get`. */
export const ProfileLookupQuery = z.object({
  type: IdentifierType,
  value: z.string().min(1).max(1024),
});
export type ProfileLookupQuery = z.infer<typeof ProfileLookupQuery>;

/** Validates a profile id, answering 400 `invalid_profile_id`. */
export function parseProfileId(value: unknown): string {
  const parsed = ProfileId.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(
    'invalid_profile_id',
    'profileId must be 1–200 characters of [A-Za-z0-9_.:-]',
  );
}

/** Validates a lookup query, answering 400 `invalid_query` with the issues. */
export function parseLookupQuery(params: Record<string, string | undefined> | undefined): ProfileLookupQuery {
  const parsed = ProfileLookupQuery.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(
    'invalid_query',
    'give type (userId|anonymousId|email|phone|deviceId) and value',
    {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        code: i.code,
        message: i.message,
      })),
    },
  );
}

/** The current consent for one `<channel>:<purpose>`. */
export interface ConsentView {
  readonly granted: boolean;
  readonly source: ConsentSource;
  /** Event time of the statement in force. */
  readonly at: string;
}

/** A live profile as operators see it. */
export interface ProfileView {
  readonly profileId: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly identities: Identities;
  readonly traits: Readonly<Record<string, string | number | boolean>>;
  readonly features: ProfileFeatures;
  readonly consent: Readonly<Record<string, ConsentView>>;
  readonly contact: Contact;
  /** Profiles merged into this one. */
  readonly mergedProfileIds: readonly string[];
}

function viewOf(resolved: Awaited<ReturnType<typeof personOf>>): ProfileView {
  const { profile, person } = resolved;
  const state = profile.state;
  return {
    profileId: profile.profileId,
    version: profile.version,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
    identities: state.identities,
    traits: Object.fromEntries(Object.entries(state.traits).map(([k, r]) => [k, r.v])),
    features: featuresOf(state),
    consent: Object.fromEntries(
      Object.entries(state.consent).map(([k, r]) => [
        k,
        { granted: r.v.granted, source: r.v.source, at: new Date(r.t).toISOString() },
      ]),
    ),
    contact: contactOf(state),
    mergedProfileIds: person.mergedProfileIds,
  };
}

const notFound = () => new NotFoundError('profile_not_found', 'no profile matches');

/** The live profile behind a profile id (following merges). Throws NotFoundError('profile_not_found'). */
export async function getProfileView(directory: PersonDirectory, profileId: string): Promise<ProfileView> {
  const resolved = await resolvePerson(directory, profileId);
  if (!resolved) throw notFound();
  return viewOf(resolved);
}

/** The live profile an identifier points at (normalised and hashed by the store). Throws NotFoundError('profile_not_found'). */
export async function findProfileView(
  directory: PersonDirectory,
  query: ProfileLookupQuery,
): Promise<ProfileView> {
  const live = await directory.findByIdentifier(query.type, query.value);
  if (!live) throw notFound();
  return viewOf(await personOf(directory, live));
}

/** The export document: everything held about a person, one part per holder. */
export interface PersonalDataExport {
  readonly format: 'feltfit.personal-data.v1';
  readonly exportedAt: string;
  readonly profileId: string;
  readonly person: Person;
  readonly holders: Readonly<Record<string, unknown>>;
}

export interface ExportDeps {
  readonly directory: PersonDirectory;
  readonly holders: readonly PersonalDataHolder[];
  readonly now: () => Date;
}

/** Collects what every holder keeps about the person. Throws NotFoundError('profile_not_found'). */
export async function exportPersonalData(deps: ExportDeps, profileId: string): Promise<PersonalDataExport> {
  const resolved = await resolvePerson(deps.directory, profileId);
  if (!resolved) throw notFound();
  const { person } = resolved;
  const parts = await Promise.all(deps.holders.map(async (h) => [h.name, await h.export(person)] as const));
  return {
    format: 'feltfit.personal-data.v1',
    exportedAt: deps.now().toISOString(),
    profileId: person.profileId,
    person,
    holders: Object.fromEntries(parts),
  };
}

export interface EraseDeps {
  readonly directory: PersonDirectory;
  readonly tombstones: Pick<ProfileStore, 'putTombstones'>;
  /**
   * Erased in this order. Put the holder that keeps the profile (through which the person is found)
   * last, so an interrupted erasure can be run again and still find everything.
   */
  readonly holders: readonly PersonalDataHolder[];
  readonly audit: ErasureAudit;
  /** The identity hash keyring: audit records name profiles by keyed hash (profileIdHash). */
  readonly hasher: Pick<KeyedHasher, 'hash' | 'candidates'>;
  readonly now: () => Date;
}

/** Result of an erasure: counts only, safe to show and log. */
export interface ErasureOutcome {
  /** `already_erased`: nothing was left; the counts are those recorded by the first erasure. */
  readonly status: 'erased' | 'already_erased';
  readonly profileIdHash: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly tombstones: number;
  readonly erasedAt: string;
}

/**
 * Erases a person: tombstones every identifier first (so the projector stops re-collecting late events
 * while deletion runs), then each holder's data, and files an audit record before and after. Erasing
 * again answers `already_erased` from the audit record. Throws NotFoundError('profile_not_found') for
 * an id that never existed.
 */
export async function erasePerson(
  deps: EraseDeps,
  profileId: string,
  actor: string,
): Promise<ErasureOutcome> {
  const requestedHash = profileIdHash(deps.hasher, profileId);
  const resolved = await resolvePerson(deps.directory, profileId);
  if (!resolved) {
    const previous = await findErasure(deps.audit, deps.hasher, profileId);
    if (!previous) throw notFound();
    return {
      status: 'already_erased',
      profileIdHash: requestedHash,
      counts: previous.counts,
      tombstones: previous.tombstones,
      erasedAt: previous.completedAt ?? previous.requestedAt,
    };
  }
  const { person } = resolved;
  const liveHash = profileIdHash(deps.hasher, person.profileId);
  const hashes = [
    ...new Set([
      requestedHash,
      liveHash,
      ...person.mergedProfileIds.map((id) => profileIdHash(deps.hasher, id)),
    ]),
  ];
  const requestedAt = deps.now().toISOString();
  const recordsOf = (r: Omit<ErasureRecord, 'profileIdHash' | 'liveProfileIdHash'>) =>
    hashes.map((h): ErasureRecord => ({ ...r, profileIdHash: h, liveProfileIdHash: liveHash }));
  await deps.audit.put(recordsOf({ status: 'started', requestedAt, actor, counts: {}, tombstones: 0 }));

  const identifiers = identifiersOfPerson(person);
  await deps.tombstones.putTombstones(identifiers, requestedAt);
  const counts: Record<string, number> = {};
  for (const holder of deps.holders)
    counts[holder.name] = (counts[holder.name] ?? 0) + (await holder.erase(person));

  const completedAt = deps.now().toISOString();
  await deps.audit.put(
    recordsOf({
      status: 'completed',
      requestedAt,
      completedAt,
      actor,
      counts,
      tombstones: identifiers.length,
    }),
  );
  return {
    status: 'erased',
    profileIdHash: liveHash,
    counts,
    tombstones: identifiers.length,
    erasedAt: completedAt,
  };
}
