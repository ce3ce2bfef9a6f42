/**
 * Erasure and export as jobs: the admin API and the CLI start one (202 with its status), a state
 * machine runs its steps — one holder per step, each persisted before the next — and anyone polls its
 * status. Erasure keeps the order and the guarantees of `erasePerson` (tombstones first, the profiles
 * holder last, an audit record before and after); a step that fails is retried by the state machine
 * and re-runs only its own holder, which is idempotent. Pure: stores come in as ports.
 */
import * as z from 'zod';
import type {
  ErasureAudit,
  ErasureRecord,
  Person,
  PersonalDataHolder,
  PersonDirectory,
} from '../../ports/privacy.js';
import type {
  HolderProgress,
  PrivacyJob,
  PrivacyJobKind,
  PrivacyJobRunner,
  PrivacyJobStore,
} from '../../ports/privacy-jobs.js';
import type { ProfileStore } from '../../ports/profiles.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { KeyedHasher } from './keyed-hash.js';
import type { PersonalDataExport } from './operations.js';
import { findErasure, identifiersOfPerson, profileIdHash, resolvePerson } from './person.js';

/** A job id as it appears in a path. */
export const PrivacyJobId = z.string().regex(/^pj_[ex]_[0-9a-f]{32}$/);

/** Validates a job id, answering 400 `invalid_job_id`. */
export function parseJobId(value: unknown): string {
  const parsed = PrivacyJobId.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError('invalid_job_id', 'jobId must look like pj_e_<32 hex> or pj_x_<32 hex>');
}

/** What the job steps use. */
export interface PrivacyJobDeps {
  readonly directory: PersonDirectory;
  readonly tombstones: Pick<ProfileStore, 'putTombstones'>;
  /** In order; the holder that keeps the profile goes last (see EraseDeps). */
  readonly holders: readonly PersonalDataHolder[];
  readonly audit: ErasureAudit;
  readonly jobs: PrivacyJobStore;
  /** The identity hash keyring: audit records and job ids name profiles by keyed hash. */
  readonly hasher: Pick<KeyedHasher, 'hash' | 'candidates'>;
  readonly now: () => Date;
}

/** What starting a job uses. */
export interface StartJobDeps extends PrivacyJobDeps {
  readonly runner: PrivacyJobRunner;
}

/** One job per person and kind: erasing twice finds the same job. */
export function jobIdOf(kind: PrivacyJobKind, liveProfileIdHash: string): string {
  // The hex of `<keyId>.<hex>`: job ids look alike under every key.
  const hex = liveProfileIdHash.slice(liveProfileIdHash.indexOf('.') + 1);
  return `pj_${kind === 'erase' ? 'e' : 'x'}_${hex.slice(0, 32)}`;
}

const isActive = (j: PrivacyJob) => j.status === 'queued' || j.status === 'running';
const notFound = () => new NotFoundError('profile_not_found', 'no profile matches');

/**
 * Starts an erasure or an export (or answers the job already under way). Erasing again after a
 * finished erasure answers that job; a new export, or an erasure after a failed one, starts a new
 * attempt of the same job. Throws NotFoundError('profile_not_found') for an id that never existed.
 */
export async function startPrivacyJob(
  deps: StartJobDeps,
  kind: PrivacyJobKind,
  profileId: string,
  actor: string,
): Promise<PrivacyJob> {
  const now = deps.now().toISOString();
  const resolved = await resolvePerson(deps.directory, profileId);
  if (!resolved) {
    const previous = kind === 'erase' ? await findErasure(deps.audit, deps.hasher, profileId) : undefined;
    if (!previous) throw notFound();
    const jobId = jobIdOf('erase', previous.liveProfileIdHash);
    const existing = await deps.jobs.get(jobId);
    if (existing) return existing;
    // Erased before jobs existed (or by the CLI's inline run whose job expired): answer from the audit.
    const job: PrivacyJob = {
      jobId,
      kind,
      status: 'succeeded',
      attempt: 1,
      profileIdHash: previous.liveProfileIdHash,
      actor,
      createdAt: now,
      updatedAt: now,
      completedAt: previous.completedAt ?? previous.requestedAt,
      holders: Object.entries(previous.counts).map(([name, items]) => ({ name, status: 'done', items })),
      tombstones: previous.tombstones,
      outcome: 'already_erased',
    };
    await deps.jobs.put(job);
    return job;
  }
  const liveHash = profileIdHash(deps.hasher, resolved.person.profileId);
  const jobId = jobIdOf(kind, liveHash);
  const existing = await deps.jobs.get(jobId);
  if (existing && (isActive(existing) || (kind === 'erase' && existing.status === 'succeeded')))
    return existing;
  const job: PrivacyJob = {
    jobId,
    kind,
    status: 'queued',
    attempt: (existing?.attempt ?? 0) + 1,
    profileIdHash: liveHash,
    profileId: resolved.person.profileId,
    actor,
    createdAt: now,
    updatedAt: now,
    holders: deps.holders.map((h) => ({ name: h.name, status: 'pending' })),
  };
  await deps.jobs.put(job);
  try {
    await deps.runner.start(jobId, job.attempt);
  } catch (err) {
    await deps.jobs.put(failed(job, 'start_failed', 'the job could not be started', now));
    throw err;
  }
  return job;
}

function failed(job: PrivacyJob, code: string, message: string, at: string): PrivacyJob {
  const { profileId: _drop, ...rest } = job;
  return { ...rest, status: 'failed', updatedAt: at, completedAt: at, error: { code, message } };
}

function finished(job: PrivacyJob, at: string, extra: Partial<PrivacyJob>): PrivacyJob {
  const { profileId: _drop, ...rest } = job;
  return { ...rest, ...extra, status: 'succeeded', updatedAt: at, completedAt: at };
}

/** Result of one step: the state machine loops until `done`. */
export interface JobStepResult {
  readonly done: boolean;
  readonly status: PrivacyJob['status'];
}

/**
 * Runs the next step of a job: the first step resolves the person (erase: files the audit record and
 * writes the tombstones); each further step erases or exports one holder; the last completes the job.
 * An attempt that is no longer the job's current one does nothing.
 */
export async function runPrivacyJobStep(
  deps: PrivacyJobDeps,
  jobId: string,
  attempt: number,
): Promise<JobStepResult> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.attempt !== attempt || !isActive(job) || !job.profileId)
    return { done: true, status: job?.status ?? 'failed' };
  const now = deps.now().toISOString();
  const resolved = await resolvePerson(deps.directory, job.profileId);
  if (job.status === 'queued') {
    const next = await firstStep(deps, job, resolved?.person, now);
    await deps.jobs.put(next);
    return { done: !isActive(next), status: next.status };
  }
  if (job.kind === 'export' && !resolved) {
    // Erased (or merged away) while exporting: what was gathered goes, the export fails.
    await deps.jobs.deleteParts(jobId);
    await deps.jobs.put(failed(job, 'profile_not_found', 'the person was erased during the export', now));
    return { done: true, status: 'failed' };
  }
  const index = job.holders.findIndex((h) => h.status === 'pending');
  if (index === -1) {
    const next = await lastStep(deps, job, now);
    await deps.jobs.put(next);
    return { done: true, status: next.status };
  }
  const holder = deps.holders.find((h) => h.name === job.holders[index]!.name);
  let progress: HolderProgress;
  if (!holder || !resolved) {
    // The profiles holder's step was interrupted after its last delete: nothing is left to find.
    progress = { name: job.holders[index]!.name, status: 'done', items: 0 };
  } else if (job.kind === 'erase') {
    progress = { name: holder.name, status: 'done', items: await holder.erase(resolved.person) };
  } else {
    const part = await holder.export(resolved.person);
    const json = JSON.stringify(part ?? null);
    await deps.jobs.putPart(jobId, attempt, index + 1, holder.name, json);
    progress = {
      name: holder.name,
      status: 'done',
      bytes: Buffer.byteLength(json, 'utf8'),
      ...(Array.isArray(part) ? { items: part.length } : {}),
    };
  }
  const holders = job.holders.map((h, i) => (i === index ? progress : h));
  await deps.jobs.put({ ...job, holders, updatedAt: now });
  return { done: false, status: 'running' };
}

async function firstStep(
  deps: PrivacyJobDeps,
  job: PrivacyJob,
  person: Person | undefined,
  now: string,
): Promise<PrivacyJob> {
  if (!person) {
    // Erased (or merged away) between the request and the first step.
    return job.kind === 'erase'
      ? finished(job, now, { outcome: 'already_erased' })
      : failed(job, 'profile_not_found', 'no profile matches', now);
  }
  if (job.kind === 'export') {
    await deps.jobs.putPart(job.jobId, job.attempt, 0, 'person', JSON.stringify(person));
    return { ...job, status: 'running', updatedAt: now };
  }
  const auditHashes = [
    ...new Set([
      job.profileIdHash,
      profileIdHash(deps.hasher, job.profileId!),
      ...person.mergedProfileIds.map((id) => profileIdHash(deps.hasher, id)),
    ]),
  ];
  await deps.audit.put(records(job, auditHashes, { status: 'started', counts: {}, tombstones: 0 }));
  const identifiers = identifiersOfPerson(person);
  await deps.tombstones.putTombstones(identifiers, job.createdAt);
  // An earlier export of the person is personal data too.
  await deps.jobs.deleteParts(jobIdOf('export', job.profileIdHash));
  return { ...job, status: 'running', auditHashes, tombstones: identifiers.length, updatedAt: now };
}

function records(
  job: PrivacyJob,
  hashes: readonly string[],
  r: Pick<ErasureRecord, 'status' | 'counts' | 'tombstones'> & { completedAt?: string },
): ErasureRecord[] {
  return hashes.map((h) => ({
    ...r,
    profileIdHash: h,
    liveProfileIdHash: job.profileIdHash,
    requestedAt: job.createdAt,
    actor: job.actor,
  }));
}

async function lastStep(deps: PrivacyJobDeps, job: PrivacyJob, now: string): Promise<PrivacyJob> {
  if (job.kind === 'export') {
    const parts = await deps.jobs.readParts(job.jobId, job.attempt);
    const bytes = parts.reduce((n, p) => n + Buffer.byteLength(p.json, 'utf8'), 0);
    return finished(job, now, { resultBytes: bytes });
  }
  // Again at the end: an export that was running when the erasure began may have stored more.
  await deps.jobs.deleteParts(jobIdOf('export', job.profileIdHash));
  const counts = Object.fromEntries(job.holders.map((h) => [h.name, h.items ?? 0]));
  await deps.audit.put(
    records(job, job.auditHashes ?? [job.profileIdHash], {
      status: 'completed',
      completedAt: now,
      counts,
      tombstones: job.tombstones ?? 0,
    }),
  );
  return finished(job, now, { outcome: 'erased' });
}

/** Marks an attempt failed (the state machine's catch, after its retries). */
export async function failPrivacyJob(
  deps: Pick<PrivacyJobDeps, 'jobs' | 'now'>,
  jobId: string,
  attempt: number,
  error: string,
): Promise<void> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.attempt !== attempt || !isActive(job)) return;
  // The error name only: a cause could quote data.
  await deps.jobs.put(failed(job, 'step_failed', error.slice(0, 200), deps.now().toISOString()));
}

/** A job as the API shows it. */
export async function getPrivacyJob(jobs: PrivacyJobStore, jobId: string): Promise<PrivacyJob> {
  const job = await jobs.get(jobId);
  if (!job) throw new NotFoundError('job_not_found', 'no privacy job with this id');
  const { profileId: _hidden, auditHashes: _h, ...shown } = job;
  return shown;
}

/**
 * The finished export's document, assembled from its parts. Throws NotFoundError('job_not_found'),
 * or InvalidRequestError('export_not_ready') when the job is not a succeeded export.
 */
export async function readExportResult(jobs: PrivacyJobStore, jobId: string): Promise<PersonalDataExport> {
  const job = await jobs.get(jobId);
  if (!job) throw new NotFoundError('job_not_found', 'no privacy job with this id');
  if (job.kind !== 'export' || job.status !== 'succeeded')
    throw new InvalidRequestError('export_not_ready', `the job is a ${job.kind} job, ${job.status}`);
  const parts = await jobs.readParts(jobId, job.attempt);
  const person = JSON.parse(parts.find((p) => p.name === 'person')?.json ?? 'null') as Person | null;
  if (!person) throw new NotFoundError('job_not_found', 'the export has expired');
  return {
    format: 'feltfit.personal-data.v1',
    exportedAt: job.completedAt ?? job.updatedAt,
    profileId: person.profileId,
    person,
    holders: Object.fromEntries(
      parts.filter((p) => p.name !== 'person').map((p) => [p.name, JSON.parse(p.json) as unknown]),
    ),
  };
}

/** Runs every step in process (the CLI without a state machine, and tests). */
export async function runPrivacyJobInline(
  deps: PrivacyJobDeps,
  jobId: string,
  attempt: number,
  onStep: (job: PrivacyJob) => void = () => {},
): Promise<PrivacyJob> {
  for (let step = 0; step < 10_000; step++) {
    let result: JobStepResult;
    try {
      result = await runPrivacyJobStep(deps, jobId, attempt);
    } catch (err) {
      await failPrivacyJob(deps, jobId, attempt, err instanceof Error ? err.name : 'Error');
      throw err;
    }
    const job = await deps.jobs.get(jobId);
    if (job) onStep(job);
    if (result.done) return job!;
  }
  throw new Error('privacy job did not finish');
}
