/**
 * Synced audiences' definitions, every version kept: the admin API writes a new version on every
 * change and the sync records which one it uploaded, so a version, once written, never changes.
 */
import type { AudienceCandidate, AudienceDefinition } from '../domain/audiences/definition.js';

/** One version of a synced audience, with who wrote it and when. */
export interface StoredAudienceDefinition {
  readonly definition: AudienceDefinition;
  /** When this version was written (ISO). */
  readonly savedAt: string;
  /** The caller's audit name (Cognito user name or IAM ARN), never an email. */
  readonly savedBy: string;
}

/** The versions of synced audiences (journeys table; docs/data-model.md). */
export interface AudienceDefinitionStore {
  /** The latest version of every audience. */
  list(): Promise<StoredAudienceDefinition[]>;
  /** One version, the latest when `version` is not given. */
  get(id: string, version?: number): Promise<StoredAudienceDefinition | undefined>;
  /** Every version of an audience, newest first (at most `limit`). */
  history(id: string, limit: number): Promise<StoredAudienceDefinition[]>;
  /**
   * Writes `definition.version` and makes it the latest; false when the latest is no longer
   * `version - 1` (another caller saved first, or version 1 of a taken id).
   */
  save(stored: StoredAudienceDefinition): Promise<boolean>;
}

/** Pages of live profiles as `evaluate` reads them. */
export interface AudienceCandidateSource {
  page(limit: number, cursor?: string): Promise<{ candidates: AudienceCandidate[]; cursor?: string }>;
}
