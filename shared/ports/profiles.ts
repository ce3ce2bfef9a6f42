/**
 * ProfileStore: profiles, the hashed identity index, consent and merge records, tombstones and
 * data-quality counters. Writes that race return a value (`conflict`), so the caller re-reads and
 * retries; they never half-apply.
 */
import type { IdentifierType } from '../config/profiles.js';
import type { ConsentStatement } from '../domain/profiles/consent.js';
import type { Contact, ProfileFeatures } from '../domain/profiles/features.js';
import type { Identifier } from '../domain/profiles/identifiers.js';
import type { ProfileState } from '../domain/profiles/state.js';
import type { OutboxEvent } from './domain-events.js';

export type { Identifier } from '../domain/profiles/identifiers.js';

/** A profile as stored. */
export interface StoredProfile {
  readonly profileId: string;
  /** Optimistic-concurrency version; every write increments it. */
  readonly version: number;
  readonly state: ProfileState;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set on a profile merged into another; readers follow it. */
  readonly mergedInto?: string;
  /** The scorer's last output, kept apart from the state (see ProfileScoreWriter). */
  readonly scores?: StoredScores;
}

/**
 * Scores written on a profile item by the scorer. A separate attribute: projector commits neither
 * read nor overwrite it, and writing it does not bump `version`.
 */
export interface StoredScores {
  /** When the profile was scored (ISO). */
  readonly at: string;
  /** Score name → value (finite numbers only). */
  readonly values: Readonly<Record<string, number>>;
  /** Banded score name → band. */
  readonly bands: Readonly<Record<string, string>>;
  /** Model name → version that produced the scores. */
  readonly modelVersions: Readonly<Record<string, string>>;
}

/** Pages over live (not merged) profiles, for batch scoring and training. */
export interface ProfileScan {
  /** One page of live profiles; `cursor` is opaque and absent on the last page. */
  scanLiveProfiles(query: {
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ readonly profiles: StoredProfile[]; readonly cursor?: string }>;
}

/** Writes the scorer's output onto a profile item. */
export interface ProfileScoreWriter {
  /** `not_found` when the profile does not exist (erased) or was merged into another. */
  writeScores(profileId: string, scores: StoredScores): Promise<'written' | 'not_found'>;
}

/** A profile to write: state plus what is derived from it. */
export interface ProfileToWrite {
  readonly profileId: string;
  readonly state: ProfileState;
  readonly features: ProfileFeatures;
  readonly contact: Contact;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Consent as stated by one message: the demonstrable record. */
export interface ConsentRecord {
  readonly profileId: string;
  readonly messageId: string;
  /** Event time (ISO). */
  readonly at: string;
  readonly changes: readonly ConsentStatement[];
}

/** A merge, or a merge refused because the result would break an identifier limit. */
export interface MergeRecord {
  readonly winner: string;
  readonly loser: string;
  readonly messageId: string;
  /** Processing time (ISO). */
  readonly at: string;
  readonly outcome: 'merged' | 'refused';
  /** For a refused merge: the identifier types whose limit it would break. */
  readonly limitTypes?: readonly IdentifierType[];
}

/** One atomic write: a profile, the identifiers it claims, the profiles it absorbs, and records. */
export interface ProfileCommit {
  readonly profile: ProfileToWrite;
  /** Version read; undefined creates the profile (fails if it exists). */
  readonly expectedVersion: number | undefined;
  /** Identifiers to point at this profile (fails if one points at another profile). */
  readonly claims: readonly Identifier[];
  /** Profiles merged into this one, with the version read (they get `mergedInto`). */
  readonly absorbed: readonly { readonly profileId: string; readonly version: number }[];
  readonly merges: readonly MergeRecord[];
  readonly consent: readonly ConsentRecord[];
  /**
   * Domain events this commit produced, written in the same write as the profile (the transactional
   * outbox); an empty list removes the previous commit's events from the item.
   */
  readonly outbox: readonly OutboxEvent[];
}

/**
 * How a read may be served. `consistent: false` allows an eventually consistent (half-price) read:
 * safe where a stale answer only makes a later conditional write fail and be retried.
 */
export interface ReadOptions {
  readonly consistent?: boolean;
}

export type CommitOutcome =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'conflict' };

/** Any item stored under a profile (for export and erasure). */
export type ProfileItem = Readonly<Record<string, unknown>> & { readonly pk: string; readonly sk: string };

export interface ProfileStore {
  /** The profile item itself (not following `mergedInto`). */
  getProfile(profileId: string, options?: ReadOptions): Promise<StoredProfile | undefined>;
  /** The live profile: follows `mergedInto` pointers. */
  getLiveProfile(profileId: string, options?: ReadOptions): Promise<StoredProfile | undefined>;
  /** The profile an identifier points at (normalised and hashed here), following merges. */
  findByIdentifier(type: IdentifierType, value: string): Promise<StoredProfile | undefined>;
  /** Profile ids the identity index holds for normalised identifiers, keyed `<type>:<value>`. */
  lookupIdentifiers(ids: readonly Identifier[], options?: ReadOptions): Promise<Map<string, string>>;
  /** The live profiles of several ids at once (following `mergedInto`), keyed by the id asked for. */
  getLiveProfiles(profileIds: readonly string[], options?: ReadOptions): Promise<Map<string, StoredProfile>>;
  /**
   * Writes atomically; `conflict` when a version or a claim raced. A commit that touches only the
   * profile item is a single conditional write; one with claims, absorbed profiles or records is a
   * transaction.
   */
  commit(write: ProfileCommit): Promise<CommitOutcome>;
  /** Re-points index items of identifiers from a merged profile to its winner (idempotent). */
  repointIdentifiers(ids: readonly Identifier[], from: string, to: string): Promise<void>;
  /** Records a refused merge. */
  recordMerge(profileId: string, record: MergeRecord): Promise<void>;
  /** Whether any of the identifiers is tombstoned (erased person). */
  hasTombstone(ids: readonly Identifier[]): Promise<boolean>;
  /** The identifiers (keyed `<type>:<value>`) of these that are tombstoned, in one read. */
  tombstonedIdentifiers(ids: readonly Identifier[]): Promise<Set<string>>;
  /** Tombstones identifiers (used by erasure). */
  putTombstones(ids: readonly Identifier[], at: string): Promise<void>;
  /**
   * Adds one to the dropped-trait counter of each name. With `dedupeKey` (a messageId) a repeated call
   * counts nothing.
   */
  countDroppedTraits(names: readonly string[], dedupeKey?: string): Promise<void>;
  /** Dropped-trait counters: name → count. */
  droppedTraitCounts(): Promise<Record<string, number>>;
  /** Every item under PROFILE#<id>: the profile, consent and merge records. */
  listProfileItems(profileId: string): Promise<ProfileItem[]>;
  /** Identity-index items that point at the profile (from the identifiers it lists). */
  listIdentityItems(profileId: string): Promise<ProfileItem[]>;
}

/** Removes a raw event (a tombstoned person's new event). */
export interface RawEventEraser {
  deleteRawEvent(key: { readonly pk: string; readonly sk: string }): Promise<void>;
}
