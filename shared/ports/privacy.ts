/**
 * Ports of privacy operations (lookup, export, erasure) and of the data-quality report.
 *
 * Every layer that stores something about a person registers a `PersonalDataHolder`; export asks each
 * holder for its part, erasure asks each to delete its part. The profiles and events holders live in
 * shared/adapters/dynamodb/privacy-holders.ts; channels, journeys and measurement add their own.
 */
import type { ProfileStore } from './profiles.js';

/** Everything that identifies one person: the live profile, the profiles merged into it, and their identifiers (clear, normalised). */
export interface Person {
  /** The live profile (merge pointers followed). */
  readonly profileId: string;
  /** Profiles absorbed into it, directly or transitively (from `merged` MERGE# records). */
  readonly mergedProfileIds: readonly string[];
  readonly userIds: readonly string[];
  readonly anonymousIds: readonly string[];
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly deviceIds: readonly string[];
}

/** A store of personal data that can hand over and delete what it holds about a person. */
export interface PersonalDataHolder {
  /** Key of this holder's part in exports and erasure counts (e.g. `profiles`, `events`). */
  readonly name: string;
  /** What the holder stores about the person, as JSON-serialisable data. */
  export(person: Person): Promise<unknown>;
  /** Deletes it; returns the number of items deleted (0 when there was nothing: erasing twice is fine). */
  erase(person: Person): Promise<number>;
}

/** What privacy operations read from the profile store to find a person. */
export type PersonDirectory = Pick<
  ProfileStore,
  'getProfile' | 'getLiveProfile' | 'findByIdentifier' | 'listProfileItems'
>;

/** The audit record of an erasure. Holds no personal data: only hashes, times, counts and the operator. */
export interface ErasureRecord {
  /** Keyed hash (`<keyId>.<hex>`, profileIdHash) of the profile id the record is filed under. */
  readonly profileIdHash: string;
  /** Keyed hash of the live profile id the erasure resolved to (equal to profileIdHash for the live one). */
  readonly liveProfileIdHash: string;
  readonly status: 'started' | 'completed';
  readonly requestedAt: string;
  readonly completedAt?: string;
  /** Operator that asked (IAM principal ARN, `cli:<user>`, …), never the data subject. */
  readonly actor: string;
  /** Items deleted per holder. */
  readonly counts: Readonly<Record<string, number>>;
  /** Identifiers tombstoned. */
  readonly tombstones: number;
}

/** Where erasure records are kept (control table). */
export interface ErasureAudit {
  /** Writes (or overwrites) the record under each of its hashes. */
  put(records: readonly ErasureRecord[]): Promise<void>;
  get(profileIdHash: string): Promise<ErasureRecord | undefined>;
}

/** Last receipt time per source, maintained cheaply by ingest (see docs/privacy.md). */
export interface SourceSeenStore {
  /** Moves the source's last receipt time forward (never back). */
  markSeen(sourceId: string, receivedAt: string): Promise<void>;
  /** sourceId → last receivedAt (ISO). */
  lastSeen(): Promise<Record<string, string>>;
}

/** Counts over profile items, computed by a capped scan. */
export interface ProfileStats {
  /** Live profiles (not merged into another). */
  readonly profiles: number;
  /** Profiles merged into another: duplicates removed by identity resolution. */
  readonly mergedProfiles: number;
  /** Merges refused because they would break an identifier limit. */
  readonly refusedMerges: number;
  readonly withEmail: number;
  readonly withPhone: number;
  /** Live profiles with an email or a phone. */
  readonly withContactAddress: number;
  readonly emailMarketingConsent: number;
  readonly smsMarketingConsent: number;
  /** Items the scan read. */
  readonly scannedItems: number;
  /** False when the scan stopped at its cap: the counts cover only part of the table. */
  readonly complete: boolean;
}

/** Reads profile statistics. */
export interface ProfileStatsReader {
  profileStats(options: { readonly maxScannedItems: number }): Promise<ProfileStats>;
}
