/**
 * Campaign runs: a marketer names an audience (conditions over traits, features and scores), a
 * campaign journey or a single message, a start time and a rate. The campaign-run state machine
 * plans the run once, then pages through the live profiles: each page's members get a
 * `CampaignRunRequested` event on the bus, whose trigger rule starts the journey per person with the
 * usual assignment (global control, holdouts) and a deterministic execution name per run, so a
 * retried page starts no one twice. A single message is the `campaign-message` journey: one send of
 * the named channel and content intent, behind a holdout.
 */
import * as z from 'zod';
import type { DecisionProfile } from '../../ports/journeys.js';
import { Condition, JourneyChannel, type JourneyDefinition } from './definition.js';
import { holds, readPath } from './steps.js';
import { executionName } from './triggers.js';

/** Source and detail type of the events a campaign run puts on the bus. */
export const CAMPAIGN_SOURCE = 'feltfit.campaigns';
export const CAMPAIGN_RUN_REQUESTED = 'CampaignRunRequested';
/** The journey a single-message run starts. */
export const MESSAGE_JOURNEY = 'campaign-message';

/** An audience condition: profile sources only (a run has no trigger or awaited event). */
const AudienceCondition = Condition.refine((c) => ['traits', 'features', 'scores'].includes(c.source), {
  message: 'audience conditions read traits, features or scores',
});

export const Audience = z
  .object({
    /** Every condition holds. */
    all: z.array(AudienceCondition).max(20).default([]),
    /** At least one holds (when given). */
    any: z.array(AudienceCondition).max(20).optional(),
  })
  .strict();
export type Audience = z.infer<typeof Audience>;

const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _, ≤ 64');

/** The campaign-run state machine's input (docs/journeys.md, README). */
export const CampaignRunInput = z
  .object({
    /** A journey whose trigger is a campaign (e.g. `loyalty-referral`). */
    journey: z.string().min(1).max(64).optional(),
    /** Or one message: its channel and the content intent of its approved variants. */
    message: z
      .object({ channel: JourneyChannel, intent: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/) })
      .strict()
      .optional(),
    audience: Audience.prefault({}),
    /** When to begin (ISO-8601); absent = now. */
    startAt: z.iso.datetime({ offset: true }).optional(),
    /** People started per second at most. */
    ratePerSecond: z.number().positive().max(1000).default(10),
    /** Profiles read per page. */
    pageSize: z.number().int().min(1).max(1000).default(100),
    /** Names the run (execution names, events); defaults to the execution's name. */
    runId: RunId.optional(),
  })
  .strict()
  .refine((r) => (r.journey === undefined) !== (r.message === undefined), {
    message: 'name either a journey or a message',
    path: ['journey'],
  });
export type CampaignRunInput = z.input<typeof CampaignRunInput>;

/** A validated, resolved run: what every page works from. */
export interface CampaignPlan {
  readonly runId: string;
  readonly journey: string;
  /** The trigger's campaign name. */
  readonly campaign: string;
  readonly message?: { readonly channel: JourneyChannel; readonly intent: string };
  readonly audience: Audience;
  readonly pageSize: number;
  /** Seconds between pages so that `ratePerSecond` holds. */
  readonly waitSeconds: number;
  readonly startAt?: string;
}

/** The run's input is not valid: carries machine-readable issues. */
export class InvalidCampaignRunError extends Error {
  override readonly name = 'InvalidCampaignRunError';
  constructor(readonly issues: readonly { readonly path: string; readonly message: string }[]) {
    super(`invalid campaign run: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`);
  }
}

/** Validates a run against the deployed journeys; throws InvalidCampaignRunError. */
export function planCampaignRun(
  input: unknown,
  journeys: readonly JourneyDefinition[],
  defaultRunId: string,
): CampaignPlan {
  const parsed = CampaignRunInput.safeParse(input);
  if (!parsed.success) {
    throw new InvalidCampaignRunError(
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const run = parsed.data;
  const journeyId = run.journey ?? MESSAGE_JOURNEY;
  const journey = journeys.find((j) => j.id === journeyId && j.enabled);
  if (journey?.trigger.kind !== 'campaign') {
    const campaignJourneys = journeys
      .filter((j) => j.enabled && j.trigger.kind === 'campaign')
      .map((j) => j.id);
    throw new InvalidCampaignRunError([
      {
        path: run.journey ? 'journey' : 'message',
        message: `'${journeyId}' is not a deployed campaign journey (campaign journeys: ${campaignJourneys.join(', ') || 'none'})`,
      },
    ]);
  }
  return {
    runId: run.runId ?? defaultRunId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64),
    journey: journey.id,
    campaign: journey.trigger.campaign,
    ...(run.message ? { message: run.message } : {}),
    audience: run.audience,
    pageSize: run.pageSize,
    waitSeconds: Math.max(0, Math.ceil(run.pageSize / run.ratePerSecond)),
    ...(run.startAt ? { startAt: new Date(run.startAt).toISOString() } : {}),
  };
}

/** Whether a profile is in the audience. */
export function inAudience(profile: DecisionProfile, audience: Audience): boolean {
  const value = (c: Audience['all'][number]) =>
    readPath(
      c.source === 'traits' ? profile.traits : c.source === 'features' ? profile.features : profile.scores,
      c.path,
    );
  if (!audience.all.every((c) => holds(c, value(c)))) return false;
  return audience.any === undefined || audience.any.some((c) => holds(c, value(c)));
}

/** The detail of the event that starts the run's journey for one person. */
export interface CampaignRunRequested {
  readonly campaign: string;
  readonly runId: string;
  readonly profileId: string;
  readonly message?: CampaignPlan['message'];
}

/** Pages of live profiles as decisions see them. */
export interface AudienceSource {
  page(limit: number, cursor?: string): Promise<{ profiles: DecisionProfile[]; cursor?: string }>;
}

/** Puts CampaignRunRequested events on the bus; throws when some could not be put. */
export interface CampaignEvents {
  requested(events: readonly CampaignRunRequested[]): Promise<void>;
}

/**
 * The journey execution a member of a run gets: start-journey names it from the person and the run
 * (`run:<runId>` dedupe, no entry key — campaign journeys have none), so the run can find its
 * executions' assignments and send outcomes without listing executions.
 */
export function memberExecutionName(
  plan: Pick<CampaignPlan, 'journey' | 'runId'>,
  profileId: string,
): string {
  return executionName(plan.journey, profileId, null, `run:${plan.runId}`);
}

/**
 * Records who a page requested (their execution names, no profile ids), so progress can count the
 * run's starts and send outcomes. One record per page, keyed by the page's cursor: a retried page
 * overwrites its own record.
 */
export interface RunMembers {
  recordPage(
    runId: string,
    page: { readonly cursor: string; readonly executions: readonly string[]; readonly scanned: number },
  ): Promise<void>;
}

/**
 * What one page did. The state machine loops while `cursor` is not empty: it is always a string,
 * `''` after the last page, because JSONPath payloads need the path to point to a value.
 */
export interface CampaignPageResult {
  readonly cursor: string;
  readonly scanned: number;
  readonly requested: number;
}

/** Reads one page of profiles and requests the journey for those in the audience. */
export async function runCampaignPage(
  deps: {
    readonly audience: AudienceSource;
    readonly events: CampaignEvents;
    readonly members?: RunMembers;
  },
  plan: CampaignPlan,
  cursor?: string,
): Promise<CampaignPageResult> {
  const page = await deps.audience.page(plan.pageSize, cursor);
  const members = page.profiles.filter((p) => inAudience(p, plan.audience));
  await deps.events.requested(
    members.map((p) => ({
      campaign: plan.campaign,
      runId: plan.runId,
      profileId: p.profileId,
      ...(plan.message ? { message: plan.message } : {}),
    })),
  );
  // After the events: a member recorded is a member requested (a failed put retries the page).
  await deps.members?.recordPage(plan.runId, {
    cursor: cursor ?? '',
    executions: members.map((p) => memberExecutionName(plan, p.profileId)),
    scanned: page.profiles.length,
  });
  return {
    cursor: page.cursor ?? '',
    scanned: page.profiles.length,
    requested: members.length,
  };
}
