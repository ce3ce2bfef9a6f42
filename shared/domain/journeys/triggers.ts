/**
 * Triggers: the EventBridge rule each journey needs (for the CDK), the exact in-code match
 * start-journey applies (EventBridge patterns are a prefilter), and deterministic execution names.
 */
import { createHash } from 'node:crypto';
import { effectiveDedupe, type JourneyDefinition } from './definition.js';
import { eventIdOf, occurredAtOf } from './resume.js';

/** An EventBridge event as a rule target receives it (the fields journeys use). */
export interface BusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The bus all domain events travel on. */
export const JOURNEY_BUS = 'feltfit';

export interface TriggerRule {
  readonly journey: string;
  /** Stable rule id for the CDK construct (≤ 64 chars). */
  readonly ruleId: string;
  readonly eventPattern: Record<string, unknown>;
}

/** The EventBridge pattern that starts a journey. */
export function eventPattern(journey: JourneyDefinition): Record<string, unknown> {
  const t = journey.trigger;
  switch (t.kind) {
    case 'event': {
      const detail: Record<string, unknown> = { profileId: [{ exists: true }] };
      for (const [k, values] of Object.entries(t.filters)) detail[k] = values;
      if (journey.entryKey) detail[journey.entryKey] = [{ exists: true }];
      return { source: [t.source], 'detail-type': [t.detailType], detail };
    }
    case 'score':
      // Arrays are flattened by EventBridge, so this may also match another score moving to the
      // band; start-journey re-checks the pair exactly.
      return {
        source: [t.source],
        'detail-type': ['ScoresChanged'],
        detail: { changes: { score: [t.score], to: [t.band] } },
      };
    case 'campaign':
      return {
        source: [t.source],
        'detail-type': ['CampaignRunRequested'],
        detail: { campaign: [t.campaign], profileId: [{ exists: true }] },
      };
  }
}

/** One rule per enabled journey, targeting start-journey. */
export function triggerRules(journeys: readonly JourneyDefinition[]): TriggerRule[] {
  return journeys
    .filter((j) => j.enabled)
    .map((j) => ({ journey: j.id, ruleId: `journey-${j.id}`.slice(0, 64), eventPattern: eventPattern(j) }));
}

/**
 * The rule for resume-journeys: every event a journey waits for or exits on, from any Feltfit
 * context (`source` prefix `feltfit.`).
 */
export function resumeRule(journeys: readonly JourneyDefinition[]): Record<string, unknown> {
  return {
    source: [{ prefix: 'feltfit.' }],
    'detail-type': [...new Set([...exitEvents(journeys), ...awaitedEvents(journeys)])].sort(),
    detail: { profileId: [{ exists: true }] },
  };
}

/** Events enabled journeys exit on. */
export function exitEvents(journeys: readonly JourneyDefinition[]): string[] {
  return [...new Set(journeys.filter((j) => j.enabled).flatMap((j) => j.exitOn.map((c) => c.event)))].sort();
}

/** Events enabled journeys wait for (waitForEvent steps): the waits a profile merge moves. */
export function awaitedEvents(journeys: readonly JourneyDefinition[]): string[] {
  return [
    ...new Set(
      journeys
        .filter((j) => j.enabled)
        .flatMap((j) => j.steps.flatMap((s) => (s.type === 'waitForEvent' ? [s.event] : []))),
    ),
  ].sort();
}

/**
 * Profile merges, to resume-journeys: it records the alias exit checks follow and moves waiting
 * tokens to the winner. Deployed whenever the resume rule is.
 */
export const MERGE_RULE = { source: ['feltfit.profiles'], 'detail-type': ['ProfilesMerged'] } as const;

/** Whether an event starts a journey (exact check, including score/band pairs and filters). */
export function matchesTrigger(journey: JourneyDefinition, event: BusEvent): boolean {
  const t = journey.trigger;
  if (!journey.enabled || event.source !== t.source) return false;
  if (typeof event.detail.profileId !== 'string' || event.detail.profileId.length === 0) return false;
  switch (t.kind) {
    case 'event':
      return (
        event['detail-type'] === t.detailType &&
        Object.entries(t.filters).every(([k, values]) => values.some((v) => v === event.detail[k]))
      );
    case 'score': {
      if (event['detail-type'] !== 'ScoresChanged') return false;
      const changes = event.detail.changes;
      return (
        Array.isArray(changes) &&
        changes.some(
          (c: unknown) =>
            typeof c === 'object' &&
            c !== null &&
            (c as Record<string, unknown>).score === t.score &&
            (c as Record<string, unknown>).to === t.band,
        )
      );
    }
    case 'campaign':
      return event['detail-type'] === 'CampaignRunRequested' && event.detail.campaign === t.campaign;
  }
}

/** The journey's entry key value from the trigger event, or null when the journey has none. */
export function entryKeyOf(journey: JourneyDefinition, event: BusEvent): string | null | undefined {
  if (!journey.entryKey) return null;
  const v = event.detail[journey.entryKey];
  if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The dedupe component of the execution name. */
export function dedupeToken(journey: JourneyDefinition, event: BusEvent): string {
  const rule = effectiveDedupe(journey);
  if (journey.trigger.kind === 'campaign' && typeof event.detail.runId === 'string') {
    return `run:${event.detail.runId}`;
  }
  switch (rule.by) {
    // The stable event id and the customer's event time: a republished event (at-least-once
    // publishing gives it a new bus id and time) names the same execution.
    case 'event':
      return `event:${eventIdOf(event)}`;
    case 'entryKey':
      return 'entry';
    case 'window': {
      const t = Date.parse(occurredAtOf(event));
      const windowIndex = Math.floor((Number.isNaN(t) ? 0 : t) / (rule.days * 86_400_000));
      return `window:${rule.days}:${windowIndex}`;
    }
  }
}

/**
 * Deterministic execution name: `<journey>-<sha256(profileId|entryKey|dedupe)>`, cut to 80
 * characters of `[A-Za-z0-9-]`. A duplicated trigger yields the same name, so Step Functions
 * starts one execution (ExecutionAlreadyExists). The profile id is hashed, never shown.
 */
export function executionName(
  journeyId: string,
  profileId: string,
  entryKey: string | null,
  dedupe: string,
): string {
  const hash = createHash('sha256')
    .update(`${profileId}|${entryKey ?? ''}|${dedupe}`, 'utf8')
    .digest('hex');
  return `${journeyId.replace(/[^A-Za-z0-9-]/g, '-')}-${hash}`.slice(0, 80);
}
