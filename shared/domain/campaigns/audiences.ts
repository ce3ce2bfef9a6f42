/**
 * Audiences: a rule over profile traits, features and scores (the `Audience` a campaign run takes),
 * previewed before anything is sent and saved under a name so that campaigns can use it. A preview
 * evaluates the rule with the same `inAudience` the campaign run uses, over the same pages of live
 * profiles, within a bounded budget: it says `complete: false` when it stopped early.
 */
import * as z from 'zod';
import type { DecisionProfile } from '../../ports/journeys.js';
import { ConflictError, InvalidRequestError, type Issue, NotFoundError } from '../errors.js';
import { Audience, type AudienceSource, inAudience } from '../journeys/campaign.js';
import { readPath } from '../journeys/steps.js';

export { Audience } from '../journeys/campaign.js';

/** A saved audience's id: the slug of its name (`loyal-customers`). */
export const AudienceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -');

/** Body of `POST /admin/audiences/preview`. */
export const AudiencePreviewBody = z.object({ audience: Audience }).strict();
export type AudiencePreviewBody = z.input<typeof AudiencePreviewBody>;

/** Body of `POST /admin/audiences`. */
export const SavedAudienceInput = z
  .object({
    name: z.string().trim().min(1, 'give the audience a name').max(100),
    description: z.string().trim().max(500).optional(),
    audience: Audience,
  })
  .strict()
  .refine((a) => slugOf(a.name).length > 0, {
    message: 'the name needs a letter or digit',
    path: ['name'],
  });
export type SavedAudienceInput = z.input<typeof SavedAudienceInput>;

export interface SavedAudience {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly audience: Audience;
  readonly createdAt: string;
  /** The caller's audit name (Cognito user name or IAM ARN), never an email. */
  readonly createdBy: string;
}

/** Saved audiences (journeys table, `AUDIENCES` / `AUDIENCE#<id>`; see docs/data-model.md). */
export interface AudienceStore {
  list(): Promise<SavedAudience[]>;
  get(id: string): Promise<SavedAudience | undefined>;
  /** Stores a new audience; false when the id is taken. */
  create(audience: SavedAudience): Promise<boolean>;
  /** Deletes it; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/** The id a name becomes. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** zod issues as the API reports them (paths as string arrays). */
export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message }));
}

/** Parses a body or throws InvalidRequestError `invalid_body` with the field issues. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError('invalid_body', 'the request has invalid fields', {
    issues: issuesOf(parsed.error),
  });
}

export async function saveAudience(
  store: AudienceStore,
  body: unknown,
  by: string,
  now: Date,
): Promise<SavedAudience> {
  const input = parseBody(SavedAudienceInput, body);
  const saved: SavedAudience = {
    id: slugOf(input.name),
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    audience: input.audience,
    createdAt: now.toISOString(),
    createdBy: by,
  };
  if (!(await store.create(saved))) {
    throw new ConflictError('audience_exists', `an audience named '${input.name}' exists already`, {
      issues: [{ path: ['name'], code: 'conflict', message: 'an audience with this name exists already' }],
    });
  }
  return saved;
}

export async function getAudience(store: AudienceStore, id: unknown): Promise<SavedAudience> {
  const parsed = AudienceId.safeParse(id);
  const found = parsed.success ? await store.get(parsed.data) : undefined;
  if (!found) throw new NotFoundError('audience_not_found', 'no saved audience has this id');
  return found;
}

/** One member in a preview: no contact data, only what the rule reads plus a first name. */
export interface AudienceSampleMember {
  readonly profileId: string;
  readonly firstName?: string;
  readonly traits: Record<string, unknown>;
  readonly features: Record<string, unknown>;
  readonly scores: Record<string, number>;
}

export interface AudiencePreview {
  /** Members among the profiles scanned. */
  readonly count: number;
  readonly scanned: number;
  /** False when the budget ended the scan before the last profile: `count` is then a lower bound. */
  readonly complete: boolean;
  readonly sample: AudienceSampleMember[];
}

export interface PreviewBudget {
  /** Most profiles read (default 5,000). */
  readonly maxProfiles?: number;
  /** Most milliseconds spent (default 8,000: the API answers within its 29 s). */
  readonly maxMs?: number;
  readonly pageSize?: number;
  readonly sampleSize?: number;
  readonly clock?: () => number;
}

/** Shown for every sample member when the profile has them, whatever the rule reads. */
const SAMPLE_SCORES = ['propensity30d', 'churnRisk', 'clv12m'];
/** Never shown, even when a trait of this name is not typed as contact data in the profiles config. */
const CONTACT_LIKE = /e-?mail|phone|mobile|address|street|postcode|zip/i;

function scalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The sample view of a member: the traits, features and scores the rule reads (and a few scores). */
export function sampleOf(profile: DecisionProfile, audience: Audience): AudienceSampleMember {
  const conditions = [...audience.all, ...(audience.any ?? [])];
  const pick = (source: 'traits' | 'features' | 'scores', from: Readonly<Record<string, unknown>>) => {
    const out: Record<string, unknown> = {};
    for (const c of conditions) {
      if (c.source !== source || CONTACT_LIKE.test(c.path)) continue;
      const v = readPath(from, c.path);
      if (v !== undefined && scalar(v)) out[c.path] = v;
    }
    return out;
  };
  const scores = pick('scores', profile.scores) as Record<string, number>;
  for (const s of SAMPLE_SCORES) {
    const v = profile.scores[s];
    if (typeof v === 'number' && scores[s] === undefined) scores[s] = v;
  }
  const firstName = profile.traits.firstName;
  return {
    profileId: profile.profileId,
    ...(typeof firstName === 'string' && firstName.length > 0 ? { firstName: firstName.slice(0, 40) } : {}),
    traits: pick('traits', profile.traits),
    features: pick('features', profile.features),
    scores,
  };
}

/**
 * Pages through live profiles and counts the audience's members, with a sample of up to ten. The
 * scan stops at the budget (profiles read or time spent) and then says `complete: false`.
 */
export async function previewAudience(
  source: AudienceSource,
  audience: Audience,
  budget: PreviewBudget = {},
): Promise<AudiencePreview> {
  const maxProfiles = budget.maxProfiles ?? 5_000;
  const clock = budget.clock ?? Date.now;
  const deadline = clock() + (budget.maxMs ?? 8_000);
  const sampleSize = budget.sampleSize ?? 10;
  let cursor: string | undefined;
  let count = 0;
  let scanned = 0;
  const sample: AudienceSampleMember[] = [];
  do {
    const page = await source.page(Math.min(budget.pageSize ?? 250, maxProfiles - scanned), cursor);
    scanned += page.profiles.length;
    for (const p of page.profiles) {
      if (!inAudience(p, audience)) continue;
      count++;
      if (sample.length < sampleSize) sample.push(sampleOf(p, audience));
    }
    cursor = page.cursor;
  } while (cursor && scanned < maxProfiles && clock() < deadline);
  return { count, scanned, complete: cursor === undefined, sample };
}
