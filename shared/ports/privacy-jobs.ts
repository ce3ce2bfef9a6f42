/**
 * Ports of privacy jobs: erasure and export carried out step by step by a state machine (one holder
 * per step), with their status kept where the admin API and the CLI read it.
 */

/** What a job does. */
export type PrivacyJobKind = 'erase' | 'export';

/** Where a job is. `queued` until its first step ran. */
export type PrivacyJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Progress of one holder (table) within a job. */
export interface HolderProgress {
  readonly name: string;
  readonly status: 'pending' | 'done';
  /** Items deleted (erase) or exported (export, when the part is a list). */
  readonly items?: number;
  /** Bytes of the holder's part of an export. */
  readonly bytes?: number;
}

/** A privacy job as stored and shown. Holds no identifier: the profile id only while it runs. */
export interface PrivacyJob {
  readonly jobId: string;
  readonly kind: PrivacyJobKind;
  readonly status: PrivacyJobStatus;
  /** Raised when a finished job is asked for again (a new export, a failed erasure retried). */
  readonly attempt: number;
  /** Keyed hash of the live profile id (profileIdHash, docs/privacy.md §5). */
  readonly profileIdHash: string;
  /** The profile id the job works on; removed when the job ends. */
  readonly profileId?: string;
  /** The audit record's hashes (the live profile and every merged one). */
  readonly auditHashes?: readonly string[];
  readonly actor: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  readonly holders: readonly HolderProgress[];
  /** Erase: identifiers tombstoned. */
  readonly tombstones?: number;
  /** Erase: `already_erased` when nothing was left to erase. */
  readonly outcome?: 'erased' | 'already_erased';
  /** Export: size of the assembled document. */
  readonly resultBytes?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Where jobs and export parts are kept (control table). */
export interface PrivacyJobStore {
  get(jobId: string): Promise<PrivacyJob | undefined>;
  put(job: PrivacyJob): Promise<void>;
  /** Stores one part of an export (`index` orders the parts). */
  putPart(jobId: string, attempt: number, index: number, name: string, json: string): Promise<void>;
  /** Deletes every part of every attempt of a job (an erasure removes the person's exports). */
  deleteParts(jobId: string): Promise<number>;
  /** The parts of an attempt, in index order. */
  readParts(jobId: string, attempt: number): Promise<{ readonly name: string; readonly json: string }[]>;
}

/** Starts the job's state machine; starting an attempt twice is a no-op. */
export interface PrivacyJobRunner {
  start(jobId: string, attempt: number): Promise<void>;
}
