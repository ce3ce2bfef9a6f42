/**
 * Launching a campaign run: what the console form and `feltfit run` send, checked against this
 * deployment before anything starts — the input schema, a journey that exists and is triggered by a
 * campaign (the state machine's own `planCampaignRun`), approved content for a one-message run, a saved
 * audience that resolves, and a start time read in the named IANA time zone. The result is the
 * campaign-run state machine's input (docs/journeys.md, "Campaign runs").
 */
import * as z from 'zod';
import type { VariantCatalogue } from '../../ports/journeys.js';
import { isValidTimeZone, zonedTimeToUtc } from '../channels/quiet-hours.js';
import { InvalidRequestError, type Issue } from '../errors.js';
import {
  Audience,
  type CampaignPlan,
  CampaignRunInput,
  InvalidCampaignRunError,
  MESSAGE_JOURNEY,
  planCampaignRun,
} from '../journeys/campaign.js';
import { JourneyChannel, type JourneyDefinition } from '../journeys/definition.js';
import { AudienceId, type AudienceStore, issuesOf, type SavedAudience } from './audiences.js';

const OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Body of `POST /admin/campaigns` and `POST /admin/campaigns/estimate`. */
export const CampaignLaunch = z
  .object({
    /** A journey whose trigger is a campaign (e.g. `loyalty-referral`)… */
    journey: z.string().trim().min(1, 'choose a journey').max(64).optional(),
    /** …or one message: its channel and the content intent of its approved variants. */
    message: z
      .object({
        channel: JourneyChannel,
        intent: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -'),
      })
      .strict()
      .optional(),
    /** A saved audience… */
    audienceId: AudienceId.optional(),
    /** …or a rule given inline; neither = every live profile. */
    audience: Audience.optional(),
    /**
     * When to begin: `2026-12-01T09:00` read in `timeZone`, or an instant with an offset
     * (`2026-12-01T09:00:00Z`). Absent = now.
     */
    startAt: z.string().trim().max(40).optional(),
    /** IANA time zone of a local `startAt` (e.g. `Europe/Berlin`). */
    timeZone: z
      .string()
      .trim()
      .max(64)
      .refine(isValidTimeZone, 'not an IANA time zone (e.g. Europe/Berlin)')
      .optional(),
    ratePerSecond: z.number().positive('must be more than 0').max(1000).default(10),
    pageSize: z.number().int().min(1).max(1000).default(100),
    runId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _, ≤ 64')
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.journey === undefined) === (b.message === undefined))
      ctx.addIssue({ code: 'custom', path: ['journey'], message: 'name either a journey or a message' });
    if (b.audienceId !== undefined && b.audience !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['audienceId'],
        message: 'use a saved audience or a rule, not both',
      });
    if (b.startAt !== undefined && b.startAt !== '') {
      if (OFFSET.test(b.startAt)) {
        if (Number.isNaN(Date.parse(b.startAt)))
          ctx.addIssue({ code: 'custom', path: ['startAt'], message: 'not a date and time' });
      } else if (!LOCAL.test(b.startAt)) {
        ctx.addIssue({ code: 'custom', path: ['startAt'], message: 'use YYYY-MM-DDTHH:MM' });
      } else if (b.timeZone === undefined) {
        ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'a local start time needs a time zone' });
      }
    }
  });
export type CampaignLaunch = z.input<typeof CampaignLaunch>;

/** The instant a launch's `startAt` names, or undefined for "now". */
export function startInstant(startAt: string | undefined, timeZone: string | undefined): Date | undefined {
  if (!startAt) return undefined;
  if (OFFSET.test(startAt)) return new Date(startAt);
  const m = LOCAL.exec(startAt);
  if (!m || !timeZone) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0));
  const at = zonedTimeToUtc({ year: y!, month: mo!, day: d!, hour: h!, minute: mi! }, timeZone);
  return new Date(at.getTime() + s! * 1000);
}

/** What a launch is checked against. */
export interface LaunchDeps {
  readonly journeys: readonly JourneyDefinition[];
  readonly variants: VariantCatalogue;
  readonly audiences: Pick<AudienceStore, 'get'>;
  readonly now: () => Date;
}

/** A checked launch: the state machine's input and what the run record keeps. */
export interface ResolvedLaunch {
  readonly input: z.output<typeof CampaignRunInput> & { runId: string };
  readonly plan: CampaignPlan;
  readonly audience?: Pick<SavedAudience, 'id' | 'name'>;
  readonly timeZone?: string;
}

/** A start more than this far in the past is a mistake, not "now". */
const PAST_SLACK_MS = 5 * 60_000;

function refuse(issues: Issue[]): never {
  throw new InvalidRequestError('invalid_campaign', 'the campaign run has invalid fields', { issues });
}

/** A default run id: what it runs and when it was launched (`loyalty-referral-20261201-0900-7f3a`). */
export function defaultRunId(what: string, now: Date, random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  const suffix = Math.floor(random() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  return `${what.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${stamp}-${suffix}`;
}

/**
 * Checks a launch against this deployment; throws InvalidRequestError `invalid_campaign` whose
 * `issues` name each field that is wrong. Nothing is started here.
 */
export async function resolveLaunch(deps: LaunchDeps, body: unknown): Promise<ResolvedLaunch> {
  const parsed = CampaignLaunch.safeParse(body);
  if (!parsed.success) refuse(issuesOf(parsed.error));
  const b = parsed.data;
  const issues: Issue[] = [];
  const now = deps.now();

  let saved: SavedAudience | undefined;
  if (b.audienceId !== undefined) {
    saved = await deps.audiences.get(b.audienceId);
    if (!saved)
      issues.push({
        path: ['audienceId'],
        code: 'not_found',
        message: `no saved audience '${b.audienceId}'`,
      });
  }
  const start = startInstant(b.startAt || undefined, b.timeZone);
  if (start && start.getTime() < now.getTime() - PAST_SLACK_MS)
    issues.push({ path: ['startAt'], code: 'in_past', message: 'the start time is in the past' });

  const runId = b.runId ?? defaultRunId(b.journey ?? b.message?.intent ?? 'run', now);
  const input = CampaignRunInput.parse({
    ...(b.journey !== undefined ? { journey: b.journey } : {}),
    ...(b.message ? { message: b.message } : {}),
    audience: saved?.audience ?? b.audience ?? {},
    ...(start ? { startAt: start.toISOString() } : {}),
    ratePerSecond: b.ratePerSecond,
    pageSize: b.pageSize,
    runId,
  }) as ResolvedLaunch['input'];

  // The same check the state machine's Plan step makes, so a launch the API accepts plans.
  let plan: CampaignPlan | undefined;
  try {
    plan = planCampaignRun(input, deps.journeys, runId);
  } catch (err) {
    if (!(err instanceof InvalidCampaignRunError)) throw err;
    for (const i of err.issues)
      issues.push({ path: i.path ? i.path.split('.') : ['journey'], code: 'invalid', message: i.message });
  }
  if (b.message) {
    const approved = await deps.variants.approvedVariants({
      journey: MESSAGE_JOURNEY,
      step: 'send',
      channel: b.message.channel,
      intent: b.message.intent,
    });
    if (approved.length === 0)
      issues.push({
        path: ['message', 'intent'],
        code: 'no_approved_variant',
        message: `no approved ${b.message.channel} variant for '${b.message.intent}': approve one in Content first`,
      });
  }
  if (issues.length > 0 || !plan) refuse(issues);
  return {
    input,
    plan,
    ...(saved ? { audience: { id: saved.id, name: saved.name } } : {}),
    ...(start && b.timeZone ? { timeZone: b.timeZone } : {}),
  };
}
