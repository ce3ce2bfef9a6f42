/**
 * Journey entry: a domain event → the journeys it triggers → assignment → record → start.
 * Global-control members are recorded and not started (excluded from all marketing). Journey
 * holdout members are recorded and started: their execution takes the split's holdout path, which
 * sends nothing, so lift is measured against people who went through the same waits and exits.
 */
import * as z from 'zod';
import type { PauseCheck } from '../../ports/journey-admin.js';
import type { Assignments, JourneyRunner } from '../../ports/journeys.js';
import { assign, type ExperimentSplit, type GlobalControl } from '../experiments/assignment.js';
import { type JourneyDefinition, splitOf } from './definition.js';
import { eventIdOf, occurredAtOf } from './resume.js';
import { type BusEvent, dedupeToken, entryKeyOf, executionName, matchesTrigger } from './triggers.js';

/** An EventBridge event as start-journey and resume-journeys accept it. */
export const BusEventSchema = z.object({
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(128),
  time: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * The input of a journey execution: who, which trigger, which arm, and the empty slots the compiled
 * states write into (`$.decisions`, `$.events`, `$.branches`, `$.lastSend`, `$.exitCheck`,
 * `$.waitUntil`) — a JSONPath that matches nothing fails a state, so every slot starts present.
 */
export function executionInput(e: {
  readonly profileId: string;
  readonly journey: string;
  readonly entryKey: string | null;
  readonly startedAt: string;
  readonly trigger: Pick<BusEvent, 'id' | 'detail-type' | 'source' | 'time' | 'detail'>;
  readonly assignment: Readonly<Record<string, unknown>>;
}) {
  return {
    profileId: e.profileId,
    journey: e.journey,
    entryKey: e.entryKey,
    startedAt: e.startedAt,
    trigger: {
      // The id exit checks exclude the trigger's own occurrence by (resume-journeys records it so).
      eventId: eventIdOf(e.trigger),
      detailType: e.trigger['detail-type'],
      source: e.trigger.source,
      time: e.trigger.time,
      detail: e.trigger.detail,
    },
    assignment: e.assignment,
    decisions: {},
    events: {},
    branches: {},
    lastSend: null,
    exitCheck: null,
    waitUntil: null,
  };
}

export type JourneyEntry =
  | {
      readonly journey: string;
      readonly outcome: 'started' | 'alreadyStarted';
      readonly arm: string;
      readonly reason: string;
      readonly executionName: string;
    }
  | {
      readonly journey: string;
      readonly outcome: 'control';
      readonly arm: 'control';
      readonly reason: 'global_control';
      readonly executionName: string;
    }
  | {
      readonly journey: string;
      readonly outcome: 'skipped';
      readonly reason: 'missing_entry_key' | 'not_deployed' | 'paused' | 'stale_trigger';
    };

export interface StartDeps {
  readonly journeys: readonly JourneyDefinition[];
  /** Journey id → state machine ARN. */
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly control: GlobalControl;
  readonly runner: Pick<JourneyRunner, 'start'>;
  readonly assignments: Assignments;
  readonly now: () => Date;
  /** The person's fairness cohort (declared trait → value), when cohorts are configured. */
  readonly cohorts?: { of(profileId: string): Promise<Readonly<Record<string, string>>> };
  /** Paused journeys (console, `POST /admin/journeys/{id}/pause`) start nothing new. */
  readonly pauses?: PauseCheck;
}

/** Whether a journey sends marketing (the global control group is excluded from those). */
export function isMarketing(journey: JourneyDefinition): boolean {
  return journey.steps.some(
    (s) =>
      (s.type === 'send' && s.purpose === 'marketing' && !('fromDecision' in s.content)) ||
      (s.type === 'decide' && s.candidates.some((c) => c.kind !== 'nothing' && c.purpose === 'marketing')),
  );
}

/** The experiment split of a journey (its split step), if it has one. */
export function experimentOf(journey: JourneyDefinition): ExperimentSplit | undefined {
  const split = splitOf(journey);
  if (!split) return undefined;
  return {
    salt: split.salt ?? `${journey.id}:${split.id}`,
    holdoutShare: split.holdoutShare,
    variants: split.variants.map((v) => ({ id: v.id, weight: v.weight })),
  };
}

/** Whether the trigger happened longer ago than the journey's trigger accepts (`maxAgeHours`). */
export function isStale(journey: JourneyDefinition, event: BusEvent, now: Date): boolean {
  const t = journey.trigger;
  if (t.kind !== 'event' || t.maxAgeHours === undefined) return false;
  return now.getTime() - Date.parse(occurredAtOf(event)) > t.maxAgeHours * 3_600_000;
}

/** Starts every journey the event triggers; returns one entry per triggered journey. */
export async function startJourneys(deps: StartDeps, event: BusEvent): Promise<JourneyEntry[]> {
  const entries: JourneyEntry[] = [];
  let cohort: Readonly<Record<string, string>> | undefined;
  for (const journey of deps.journeys) {
    if (!matchesTrigger(journey, event)) continue;
    // Paused: no entry at all (no assignment, no exposure), so the experiment's counts stay clean.
    if (deps.pauses && (await deps.pauses.isPaused(journey.id))) {
      entries.push({ journey: journey.id, outcome: 'skipped', reason: 'paused' });
      continue;
    }
    if (isStale(journey, event, deps.now())) {
      entries.push({ journey: journey.id, outcome: 'skipped', reason: 'stale_trigger' });
      continue;
    }
    const profileId = event.detail.profileId as string;
    if (deps.cohorts && cohort === undefined) cohort = await deps.cohorts.of(profileId);
    const withCohort = cohort && Object.keys(cohort).length > 0 ? { cohort } : {};
    const entryKey = entryKeyOf(journey, event);
    if (entryKey === undefined) {
      entries.push({ journey: journey.id, outcome: 'skipped', reason: 'missing_entry_key' });
      continue;
    }
    const name = executionName(journey.id, profileId, entryKey, dedupeToken(journey, event));
    const split = experimentOf(journey);
    const arm = assign(deps.control, split, profileId, { marketing: isMarketing(journey) });
    const at = deps.now().toISOString();
    const record = {
      journey: journey.id,
      executionName: name,
      profileId,
      entryKey,
      arm: arm.arm,
      reason: arm.reason,
      experiment: split?.salt ?? null,
      at,
      ...withCohort,
    };
    if (arm.reason === 'global_control') {
      await deps.assignments.record({ ...record, started: false });
      entries.push({
        journey: journey.id,
        outcome: 'control',
        arm: 'control',
        reason: 'global_control',
        executionName: name,
      });
      continue;
    }
    const stateMachineArn = deps.stateMachines[journey.id];
    if (!stateMachineArn) {
      entries.push({ journey: journey.id, outcome: 'skipped', reason: 'not_deployed' });
      continue;
    }
    const started = await deps.runner.start({
      stateMachineArn,
      name,
      input: executionInput({
        profileId,
        journey: journey.id,
        entryKey,
        startedAt: at,
        trigger: event,
        assignment: { arm: arm.arm, reason: arm.reason, experiment: split?.salt ?? null, ...withCohort },
      }),
    });
    await deps.assignments.record({ ...record, started: true });
    entries.push({
      journey: journey.id,
      outcome: started.status,
      arm: arm.arm,
      reason: arm.reason,
      executionName: name,
    });
  }
  return entries;
}
