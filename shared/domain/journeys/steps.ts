/**
 * The small tasks compiled state machines call through the journey-step function: register a keyed
 * wait token, check global exit conditions, evaluate a branch, update the profile, compute a wait
 * time (best send hour — with the send-time optimisation holdout — local window, reorder window).
 */
import * as z from 'zod';
import type {
  Assignments,
  BanditStats,
  DecisionProfile,
  EventOccurrence,
  ExitEvents,
  JourneyRunner,
  MergeAliases,
  ProfileReader,
  ProfileWriter,
  WaitTokens,
} from '../../ports/journeys.js';
import {
  SEND_TIME_EXPERIMENT,
  type SendTimeArm,
  type SendTimeHoldout,
  sendTimeArm,
} from '../experiments/send-time.js';
import { BranchRule, ExitCondition } from './definition.js';

const Id = z.string().min(1).max(512);
const Common = {
  profileId: Id,
  journey: Id,
  entryKey: z.string().max(256).nullable().default(null),
  executionId: Id,
  step: Id,
};
const Iso = z.iso.datetime({ offset: true });

export const RegisterWaitRequest = z.object({
  action: z.literal('registerWait'),
  ...Common,
  token: z.string().min(1).max(4096),
  event: z.string().min(1).max(64),
  keyProperty: z.string().min(1).max(64).optional(),
  since: Iso,
  timeoutSeconds: z.number().int().positive(),
  at: Iso,
});

export const CheckExitRequest = z.object({
  action: z.literal('checkExit'),
  ...Common,
  since: Iso,
  triggerEventId: z.string().max(256).nullish(),
  conditions: z.array(ExitCondition).max(10),
  lastSend: z
    .object({
      step: z.string(),
      decision: z.string(),
      result: z.object({ outcome: z.string() }).passthrough(),
    })
    .nullish(),
  decisions: z
    .record(z.string(), z.object({ variant: z.string().nullish() }).passthrough().nullish())
    .default({}),
});

export const EvaluateBranchRequest = z.object({
  action: z.literal('evaluateBranch'),
  ...Common,
  rules: z
    .array(BranchRule.pick({ all: true, next: true }))
    .min(1)
    .max(20),
  default: z.string().min(1).max(40),
  trigger: z
    .object({ detail: z.record(z.string(), z.unknown()) })
    .passthrough()
    .optional(),
  events: z.record(z.string(), z.unknown()).default({}),
});

export const UpdateProfileRequest = z.object({
  action: z.literal('updateProfile'),
  ...Common,
  set: z.record(z.string().min(1).max(64), z.union([z.string().max(200), z.number(), z.boolean()])),
  at: Iso,
});

export const WaitUntilRequest = z.object({
  action: z.literal('waitUntil'),
  ...Common,
  mode: z.enum(['bestSendTime', 'window', 'reorderWindow']),
  window: z
    .object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) })
    .optional(),
  leadDays: z.number().int().min(0).max(60).default(0),
  at: Iso,
});

export const JourneyStepRequest = z.discriminatedUnion('action', [
  RegisterWaitRequest,
  CheckExitRequest,
  EvaluateBranchRequest,
  UpdateProfileRequest,
  WaitUntilRequest,
]);
export type JourneyStepRequest = z.infer<typeof JourneyStepRequest>;

export type JourneyStepResult =
  | { readonly action: 'registerWait'; readonly registered: true; readonly resumedImmediately: boolean }
  | {
      readonly action: 'checkExit';
      readonly exit: boolean;
      readonly reason: string | null;
      readonly converted: boolean;
    }
  | { readonly action: 'evaluateBranch'; readonly next: string; readonly matched: number }
  | { readonly action: 'updateProfile'; readonly updated: boolean }
  | {
      readonly action: 'waitUntil';
      readonly until: string;
      /** For a best-send-time wait of a person with a best hour: which hour the holdout chose. */
      readonly sendTime?: SendTimeArm;
    };

export interface JourneyStepDeps {
  readonly tokens: Pick<WaitTokens, 'put' | 'delete'>;
  readonly occurrences: ExitEvents;
  readonly runner: Pick<JourneyRunner, 'resume'>;
  readonly profiles: ProfileReader;
  readonly profileWriter: ProfileWriter;
  readonly bandit: Pick<BanditStats, 'recordConversion'>;
  /** Merges since a journey started (exit checks and waits also look under the winner's id). */
  readonly aliases?: Pick<MergeAliases, 'mergedInto'>;
  /** Best send hour when the profile has none (local time). */
  readonly defaultSendHour?: number;
  /** Days between orders when the profile has no cadence. */
  readonly defaultReorderDays?: number;
  /** The send-time optimisation holdout, and where its exposures are recorded. */
  readonly sendTime?: {
    readonly holdout: SendTimeHoldout;
    readonly assignments: Pick<Assignments, 'record'>;
  };
}

/** What a resumed waitForEvent task outputs: the event with ids and facts only. */
export function awaitedEventOutput(o: EventOccurrence) {
  return { event: o.event, eventId: o.eventId, at: o.at, detail: { ...o.keys, ...o.facts } };
}

/** Reads a dotted path. */
export function readPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

type Cond = z.infer<typeof BranchRule>['all'][number];

/** Whether one condition holds for a value. */
export function holds(cond: Cond, actual: unknown): boolean {
  const v = cond.value;
  switch (cond.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
    case 'eq':
      return actual === v;
    case 'neq':
      return actual !== v;
    case 'in':
      return Array.isArray(v) && v.some((x) => x === actual);
    default: {
      if (typeof actual !== 'number' || typeof v !== 'number') return false;
      if (cond.op === 'gt') return actual > v;
      if (cond.op === 'gte') return actual >= v;
      if (cond.op === 'lt') return actual < v;
      return actual <= v;
    }
  }
}

/** The value a condition reads. */
function conditionValue(
  cond: Cond,
  profile: DecisionProfile | undefined,
  request: z.infer<typeof EvaluateBranchRequest>,
): unknown {
  switch (cond.source) {
    case 'traits':
      return readPath(profile?.traits, cond.path);
    case 'features':
      return readPath(profile?.features, cond.path);
    case 'scores':
      return readPath(profile?.scores, cond.path);
    case 'trigger':
      return readPath(request.trigger?.detail, cond.path);
    case 'event':
      return readPath(request.events[cond.step ?? ''], cond.path);
  }
}

/** Offset of a time zone from UTC at an instant, in ms (falls back to UTC for unknown zones). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(instant));
  } catch {
    return 0;
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The first instant ≥ `from` at which the local clock in `timeZone` reads hour:minute. */
export function nextLocalTime(from: number, timeZone: string, hour: number, minute = 0): number {
  const local = from + zoneOffsetMs(from, timeZone);
  const d = new Date(local);
  for (let day = 0; day <= 2; day++) {
    const guess = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + day, hour, minute);
    // Two passes settle the offset across a DST change.
    let utc = guess - zoneOffsetMs(guess, timeZone);
    utc = guess - zoneOffsetMs(utc, timeZone);
    if (utc >= from) return utc;
  }
  return from;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The profile's best send hour (local, whole hours) when its score is a valid hour. */
function bestHourOf(profile: DecisionProfile | undefined): number | undefined {
  const raw = profile?.scores.bestSendHour;
  return typeof raw === 'number' && raw >= 0 && raw < 24 ? Math.floor(raw) : undefined;
}

/** When a wait ends, from the profile's best send hour, a local window or the reorder window. */
export function waitUntilTime(
  request: z.infer<typeof WaitUntilRequest>,
  profile: DecisionProfile | undefined,
  defaults: { sendHour: number; reorderDays: number },
): string {
  const at = Date.parse(request.at);
  const tz = profile?.timezone ?? 'UTC';
  const hour = bestHourOf(profile) ?? defaults.sendHour;
  if (request.mode === 'bestSendTime') return new Date(nextLocalTime(at, tz, hour)).toISOString();
  if (request.mode === 'window') {
    const window = request.window ?? { start: '09:00', end: '18:00' };
    const local = new Date(at + zoneOffsetMs(at, tz));
    const now = local.getUTCHours() * 60 + local.getUTCMinutes();
    const start = minutesOf(window.start);
    const end = minutesOf(window.end);
    const inside = start <= end ? now >= start && now < end : now >= start || now < end;
    if (inside) return new Date(at).toISOString();
    return new Date(nextLocalTime(at, tz, Math.floor(start / 60), start % 60)).toISOString();
  }
  const cadence = [profile?.features.reorderDays, profile?.features.avgDaysBetweenOrders].find(
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0,
  );
  const days = Math.max(1, Math.round((cadence ?? defaults.reorderDays) - request.leadDays));
  return new Date(nextLocalTime(at + days * 86_400_000, tz, hour)).toISOString();
}

/**
 * The ids a journey's person has: the execution's profile id, then the one it was merged into since,
 * if any (MergeAliases).
 */
async function personIds(deps: JourneyStepDeps, profileId: string): Promise<string[]> {
  const live = deps.aliases ? await deps.aliases.mergedInto(profileId) : undefined;
  return live && live !== profileId ? [profileId, live] : [profileId];
}

/** Runs one journey-step task. */
export async function runJourneyStep(
  deps: JourneyStepDeps,
  request: JourneyStepRequest,
): Promise<JourneyStepResult> {
  switch (request.action) {
    case 'registerWait': {
      const key =
        request.keyProperty && request.entryKey !== null
          ? { property: request.keyProperty, value: request.entryKey }
          : undefined;
      // Merged since the journey started: the person's events now arrive under the live profile.
      const ids = await personIds(deps, request.profileId);
      const token = {
        profileId: ids.at(-1)!,
        event: request.event,
        ...(key ? { key } : {}),
        journey: request.journey,
        executionId: request.executionId,
        step: request.step,
        token: request.token,
        until: new Date(Date.parse(request.at) + request.timeoutSeconds * 1000).toISOString(),
        since: request.since,
      };
      await deps.tokens.put(token);
      // The event may have arrived before the token was stored: resume at once if so.
      let earlier: EventOccurrence | undefined;
      for (const id of ids) {
        earlier ??= await deps.occurrences.occurredSince(id, request.event, key, request.since);
      }
      if (earlier) {
        await deps.runner.resume(request.token, awaitedEventOutput(earlier));
        await deps.tokens.delete(token);
        return { action: 'registerWait', registered: true, resumedImmediately: true };
      }
      return { action: 'registerWait', registered: true, resumedImmediately: false };
    }
    case 'checkExit': {
      const matching = async (ids: readonly string[]) => {
        for (const c of request.conditions) {
          if (c.keyProperty && request.entryKey === null) continue;
          const key = c.keyProperty ? { property: c.keyProperty, value: request.entryKey! } : undefined;
          for (const id of ids) {
            // The trigger itself (e.g. the order that started replenishment) never ends its own
            // journey; a later occurrence of the same event does.
            const found = await deps.occurrences.occurredSince(
              id,
              c.event,
              key,
              request.since,
              request.triggerEventId ?? undefined,
            );
            if (found) return c;
          }
        }
        return undefined;
      };
      // The execution's profile first; the profile it was merged into only when nothing matched (a
      // person merged since the journey started has their later events under the live id).
      let matched = await matching([request.profileId]);
      if (!matched && request.conditions.length > 0) {
        const mergedInto = (await personIds(deps, request.profileId)).slice(1);
        if (mergedInto.length > 0) matched = await matching(mergedInto);
      }
      if (!matched) return { action: 'checkExit', exit: false, reason: null, converted: false };
      let converted = false;
      const last = request.lastSend;
      const variant = last ? request.decisions[last.decision]?.variant : undefined;
      if (matched.conversion && last && last.result.outcome === 'Sent' && variant) {
        await deps.bandit.recordConversion(request.journey, last.decision, variant);
        converted = true;
      }
      return { action: 'checkExit', exit: true, reason: `exit_on_${matched.event}`, converted };
    }
    case 'evaluateBranch': {
      const needsProfile = request.rules.some((r) =>
        r.all.some((c) => c.source === 'traits' || c.source === 'features' || c.source === 'scores'),
      );
      const profile = needsProfile ? await deps.profiles.get(request.profileId) : undefined;
      const index = request.rules.findIndex((r) =>
        r.all.every((c) => holds(c, conditionValue(c, profile, request))),
      );
      return {
        action: 'evaluateBranch',
        next: index >= 0 ? request.rules[index]!.next : request.default,
        matched: index,
      };
    }
    case 'updateProfile':
      await deps.profileWriter.setJourneyTraits(request.profileId, request.set, {
        journey: request.journey,
        step: request.step,
        at: request.at,
      });
      return { action: 'updateProfile', updated: true };
    case 'waitUntil': {
      const profile = await deps.profiles.get(request.profileId);
      const defaults = { sendHour: deps.defaultSendHour ?? 10, reorderDays: deps.defaultReorderDays ?? 30 };
      const best = bestHourOf(profile);
      if (request.mode !== 'bestSendTime' || best === undefined || !deps.sendTime) {
        return { action: 'waitUntil', until: waitUntilTime(request, profile, defaults) };
      }
      // Send-time holdout: the person's stable arm decides between the best and the fixed hour, and
      // the wait is recorded as an exposure (once per execution and step) for the report to compare.
      const { holdout, assignments } = deps.sendTime;
      const arm = sendTimeArm(holdout, request.profileId);
      const hour = arm === 'holdout' ? holdout.fixedHour : best;
      const executionName = request.executionId.slice(request.executionId.lastIndexOf(':') + 1);
      await assignments.record({
        journey: SEND_TIME_EXPERIMENT,
        executionName: `${executionName}~${request.step}`.slice(0, 256),
        profileId: request.profileId,
        entryKey: null,
        arm,
        reason: arm === 'holdout' ? 'fixed_send_hour' : 'best_send_hour',
        experiment: holdout.salt,
        started: true,
        at: request.at,
      });
      const tz = profile?.timezone ?? 'UTC';
      return {
        action: 'waitUntil',
        until: new Date(nextLocalTime(Date.parse(request.at), tz, hour)).toISOString(),
        sendTime: arm,
      };
    }
  }
}
