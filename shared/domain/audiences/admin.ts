/**
 * The admin API's use cases for synced audiences: create (version 1), update (a new version on every
 * change, refused when the caller edited an older one), read a version, and count the members with a
 * sample — computed with `evaluate()`, the function the sync will upload by, over pages of live
 * profiles within a bounded budget (docs/audiences.md). The sample names profile ids only: no
 * identifier, address or trait.
 */
import * as z from 'zod';
import type {
  AudienceCandidateSource,
  AudienceDefinitionStore,
  StoredAudienceDefinition,
} from '../../ports/audience-definitions.js';
import { AudienceId, parseBody, slugOf } from '../campaigns/audiences.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.js';
import {
  AudienceDefinition,
  evaluate,
  type Membership,
  MIN_AUDIENCE_SIZE,
  meetsMinimumSize,
  type UploadDecision,
} from './definition.js';
import type { AudienceDestination } from './normalize.js';

/** What a create or update body may carry besides the definition's fields. */
const Edit = z.object({
  /** The version the caller edited: the update is refused when another has been saved since. */
  basedOnVersion: z.number().int().min(1).optional(),
});

/** A body as an object, with the fields the API sets refused. */
function editOf(body: unknown): { fields: Record<string, unknown>; basedOnVersion?: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new InvalidRequestError('invalid_body', 'the body must be a JSON object');
  const { basedOnVersion, version, ...fields } = body as Record<string, unknown>;
  if (version !== undefined)
    throw new InvalidRequestError('invalid_body', 'the request has invalid fields', {
      issues: [
        { path: ['version'], code: 'custom', message: 'the API numbers versions; send basedOnVersion' },
      ],
    });
  const edit = parseBody(Edit, basedOnVersion === undefined ? {} : { basedOnVersion });
  return { fields, ...edit };
}

/** `POST /admin/synced-audiences`: version 1, its id the slug of its name unless given. */
export async function createAudienceDefinition(
  store: AudienceDefinitionStore,
  body: unknown,
  by: string,
  now: Date,
): Promise<StoredAudienceDefinition> {
  const { fields } = editOf(body);
  const id = fields.id ?? (typeof fields.name === 'string' ? slugOf(fields.name) : undefined);
  const definition = parseBody(AudienceDefinition, { ...fields, id, version: 1 });
  const stored = { definition, savedAt: now.toISOString(), savedBy: by };
  if (!(await store.save(stored)))
    throw new ConflictError('audience_exists', `a synced audience '${definition.id}' exists already`, {
      issues: [{ path: ['id'], code: 'conflict', message: 'a synced audience with this id exists already' }],
    });
  return stored;
}

/**
 * `PUT /admin/synced-audiences/{audienceId}`: the whole definition again, saved as the next version.
 * A body that changes nothing saves nothing (`changed: false`).
 */
export async function updateAudienceDefinition(
  store: AudienceDefinitionStore,
  rawId: unknown,
  body: unknown,
  by: string,
  now: Date,
): Promise<{ stored: StoredAudienceDefinition; changed: boolean }> {
  const current = await getAudienceDefinition(store, rawId);
  const { fields, basedOnVersion } = editOf(body);
  const { id, version } = current.definition;
  if (fields.id !== undefined && fields.id !== id)
    throw new InvalidRequestError('invalid_body', 'the request has invalid fields', {
      issues: [{ path: ['id'], code: 'custom', message: 'an audience keeps its id; create a new one' }],
    });
  const conflict = () =>
    new ConflictError('version_conflict', `version ${version} or later was saved since; reload and edit it`, {
      currentVersion: version,
    });
  if (basedOnVersion !== undefined && basedOnVersion !== version) throw conflict();
  const definition = parseBody(AudienceDefinition, { ...fields, id, version: version + 1 });
  if (canonical({ ...definition, version }) === canonical(current.definition))
    return { stored: current, changed: false };
  const stored = { definition, savedAt: now.toISOString(), savedBy: by };
  if (!(await store.save(stored))) throw conflict();
  return { stored, changed: true };
}

/** JSON with object keys sorted: a definition read back from DynamoDB keeps no key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const Version = z.coerce.number().int().min(1).optional();

/** One version of an audience (the latest without `version`); 404 `audience_not_found`. */
export async function getAudienceDefinition(
  store: AudienceDefinitionStore,
  rawId: unknown,
  rawVersion?: unknown,
): Promise<StoredAudienceDefinition> {
  const version = Version.safeParse(rawVersion);
  if (!version.success)
    throw new InvalidRequestError('invalid_query', 'version must be a whole number from 1', {
      issues: [{ path: ['version'], code: 'invalid_type', message: 'a whole number from 1' }],
    });
  const id = AudienceId.safeParse(rawId);
  const found = id.success ? await store.get(id.data, version.data) : undefined;
  if (!found)
    throw new NotFoundError(
      'audience_not_found',
      version.data === undefined ? 'no synced audience has this id' : 'the audience has no such version',
    );
  return found;
}

type Refusal = Extract<UploadDecision, { upload: false }>['reason'];

/** Per destination: how many members it would receive, why the others may not go, and its minimum. */
export interface DestinationCount {
  readonly uploadable: number;
  readonly refused: Readonly<Record<Refusal, number>>;
  readonly minimum: number;
  /** Whether `uploadable` reaches the destination's minimum (the sync waits until it does). */
  readonly meetsMinimum: boolean;
}

/** One member of the sample: its profile id and where it would go, nothing about the person. */
export interface SampleMember {
  readonly profileId: string;
  readonly holdout: boolean;
  /** Destination → `upload` or the reason it may not (absent for a held-out member). */
  readonly destinations: Readonly<Partial<Record<AudienceDestination, 'upload' | Refusal>>>;
}

/** The answer of `GET /admin/synced-audiences/{audienceId}/count`. */
export interface AudienceCount {
  readonly audienceId: string;
  readonly version: number;
  /** Profiles the rule and model versions admit, held out or not. */
  readonly members: number;
  /** Members in the holdout: counted for lift, uploaded nowhere. */
  readonly holdout: number;
  /** Profiles left out, by reason. */
  readonly excluded: Readonly<Record<Extract<Membership, { member: false }>['reason'], number>>;
  readonly destinations: Readonly<Partial<Record<AudienceDestination, DestinationCount>>>;
  readonly scanned: number;
  /** False when the budget ended the scan before the last profile: the counts are then lower bounds. */
  readonly complete: boolean;
  readonly sample: readonly SampleMember[];
}

export interface CountBudget {
  /** Most profiles read (default 5,000). */
  readonly maxProfiles?: number;
  /** Most milliseconds spent (default 8,000: the API answers within its 29 s). */
  readonly maxMs?: number;
  readonly pageSize?: number;
  /** Members in the sample (default 10). */
  readonly sampleSize?: number;
  readonly clock?: () => number;
}

/** The count's query: `sample` members (0–50, default 10). */
export const CountQuery = z.object({
  version: z.string().optional(),
  sample: z.coerce.number().int().min(0).max(50).default(10),
});

/**
 * Counts an audience's members over pages of live profiles with `evaluate()`: members, the holdout,
 * and per destination who may be uploaded, with a sample of member ids. Stops at the budget and then
 * says `complete: false`.
 */
export async function countAudience(
  source: AudienceCandidateSource,
  definition: AudienceDefinition,
  holdoutKey: string,
  budget: CountBudget = {},
): Promise<AudienceCount> {
  const maxProfiles = budget.maxProfiles ?? 5_000;
  const clock = budget.clock ?? Date.now;
  const deadline = clock() + (budget.maxMs ?? 8_000);
  const sampleSize = budget.sampleSize ?? 10;
  const excluded = { rule_not_met: 0, model_version_mismatch: 0 };
  const destinations = Object.fromEntries(
    definition.destinations.map((d) => [
      d,
      { uploadable: 0, refused: { no_advertising_consent: 0, no_google_eu_consent: 0 } },
    ]),
  ) as Partial<Record<AudienceDestination, { uploadable: number; refused: Record<Refusal, number> }>>;
  const sample: SampleMember[] = [];
  let members = 0;
  let holdout = 0;
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const page = await source.page(Math.min(budget.pageSize ?? 250, maxProfiles - scanned), cursor);
    scanned += page.candidates.length;
    for (const candidate of page.candidates) {
      const m = evaluate(definition, candidate, holdoutKey);
      if (!m.member) {
        excluded[m.reason]++;
        continue;
      }
      members++;
      const where: Partial<Record<AudienceDestination, 'upload' | Refusal>> = {};
      if (m.holdout) holdout++;
      else
        for (const [d, decision] of Object.entries(m.destinations) as [
          AudienceDestination,
          UploadDecision,
        ][]) {
          const tally = destinations[d]!;
          if (decision.upload) tally.uploadable++;
          else tally.refused[decision.reason]++;
          where[d] = decision.upload ? 'upload' : decision.reason;
        }
      if (sample.length < sampleSize)
        sample.push({ profileId: candidate.profile.profileId, holdout: m.holdout, destinations: where });
    }
    cursor = page.cursor;
  } while (cursor && scanned < maxProfiles && clock() < deadline);
  const perDestination: Partial<Record<AudienceDestination, DestinationCount>> = {};
  for (const [d, tally] of Object.entries(destinations) as [AudienceDestination, DestinationCount][]) {
    const size = meetsMinimumSize(d, tally.uploadable);
    perDestination[d] = { ...tally, minimum: MIN_AUDIENCE_SIZE[d], meetsMinimum: size.ok };
  }
  return {
    audienceId: definition.id,
    version: definition.version,
    members,
    holdout,
    excluded,
    destinations: perDestination,
    scanned,
    complete: cursor === undefined,
    sample,
  };
}
