/**
 * Ports of the journeys context. Each is as narrow as its callers need; the DynamoDB adapters
 * (shared/adapters/dynamodb/journey-*.ts) and the Step Functions adapter (shared/adapters/sfn)
 * implement them, and the profiles / content contexts implement ProfileReader, ProfileWriter and
 * VariantCatalogue.
 */
import type { ArmStats } from '../domain/experiments/bandit.js';
import type { JourneyChannel, JourneyPurpose } from '../domain/journeys/definition.js';

/** What a decision needs to know about a person. No contact addresses. */
export interface DecisionProfile {
  readonly profileId: string;
  readonly traits: Readonly<Record<string, unknown>>;
  /** Computed features, e.g. `lastCsat`, `lastNps`, `ordersCount`, `avgOrderValue`, `reorderDays`. */
  readonly features: Readonly<Record<string, unknown>>;
  /** Model scores, e.g. `propensity30d`, `churnRisk`, `clv12m`, `bestSendHour`. */
  readonly scores: Readonly<Record<string, number | undefined>>;
  /** Consent by channel and purpose (absent = not given). */
  readonly consent: Readonly<Partial<Record<JourneyChannel, Partial<Record<JourneyPurpose, boolean>>>>>;
  /** IANA time zone, when known. */
  readonly timezone?: string;
  /** Segments the profile is in (e.g. `minor`, `vulnerable`); sensitive ones gate offers. */
  readonly segments?: readonly string[];
}

/** Reads the decision view of a profile (following merges). */
export interface ProfileReader {
  get(profileId: string): Promise<DecisionProfile | undefined>;
}

/**
 * Profile merges as journeys see them: when the projector merges a profile into another, the
 * person's later events arrive under the winner. A small alias item per merge (not the profile item,
 * which can be large) answers "which id does this person have now?" for exit checks and waits.
 */
export interface MergeAliases {
  record(loser: string, winner: string, at: string): Promise<void>;
  /** The id `profileId` was merged into, followed to the end; undefined when never merged. */
  mergedInto(profileId: string): Promise<string | undefined>;
}

/** Writes journey traits on a profile. */
export interface ProfileWriter {
  setJourneyTraits(
    profileId: string,
    traits: Readonly<Record<string, string | number | boolean>>,
    source: { readonly journey: string; readonly step: string; readonly at: string },
  ): Promise<void>;
}

/** An approved content variant as the content context hands it over (opaque beyond its id). */
export interface ApprovedVariant {
  readonly variantId: string;
  readonly status: string;
  readonly text: string;
  readonly [field: string]: unknown;
}

/** Approved variants for a journey step on a channel, for an intent. */
export interface VariantCatalogue {
  approvedVariants(query: {
    readonly journey: string;
    readonly step: string;
    readonly channel: JourneyChannel;
    readonly intent: string;
  }): Promise<readonly ApprovedVariant[]>;
}

/** Exposure and conversion counters per (journey, step, variant): atomic increments. */
export interface BanditStats {
  get(journey: string, step: string): Promise<Record<string, ArmStats>>;
  recordExposure(journey: string, step: string, variant: string): Promise<void>;
  recordConversion(journey: string, step: string, variant: string): Promise<void>;
}

/** A domain event occurrence as the journeys context keeps it: ids only. */
export interface EventOccurrence {
  readonly profileId: string;
  readonly event: string;
  /** The event's stable id (`detail.eventId`, else the EventBridge id): dedupes redeliveries. */
  readonly eventId: string;
  /** Event time, ISO-8601. */
  readonly at: string;
  /** String-valued id properties of the detail (`cartId`, `orderId`, `ticketId`, …). */
  readonly keys: Readonly<Record<string, string>>;
  /** Number and boolean properties of the detail (`score`, `revenue`, `granted`); no free text. */
  readonly facts: Readonly<Record<string, number | boolean>>;
}

/** Whether an exit event happened for a profile since a time (other than `excludingEventId`). */
export interface ExitEvents {
  occurredSince(
    profileId: string,
    event: string,
    key: { readonly property: string; readonly value: string } | undefined,
    since: string,
    excludingEventId?: string,
  ): Promise<EventOccurrence | undefined>;
}

/**
 * Records occurrences of the events journeys wait for or exit on. An occurrence is keyed by its
 * event id, so a redelivery records nothing new; once its waits are resumed it is marked handled,
 * and recording it again answers `duplicate` (resume-journeys then acts on it no more).
 */
export interface EventOccurrences extends ExitEvents {
  record(occurrence: EventOccurrence): Promise<'recorded' | 'duplicate'>;
  markHandled(occurrence: EventOccurrence): Promise<void>;
}

/** A task token waiting for an event of a profile. */
export interface WaitingToken {
  readonly profileId: string;
  readonly event: string;
  /** The detail property and value that must match, when the wait is keyed. */
  readonly key?: { readonly property: string; readonly value: string };
  readonly journey: string;
  readonly executionId: string;
  readonly step: string;
  readonly token: string;
  /** When the wait times out (ISO); the item expires a day later. */
  readonly until: string;
  /**
   * When the execution started (ISO): an event that happened before it (an imported or late order)
   * does not resume the wait. Absent on tokens stored before it was recorded: any event resumes.
   */
  readonly since?: string;
}

/** Task tokens stored under (profileId, event, key). */
export interface WaitTokens {
  put(token: WaitingToken): Promise<void>;
  /** Tokens waiting for this event of this profile whose key (if any) the event's keys match. */
  matching(profileId: string, event: string, keys: Readonly<Record<string, string>>): Promise<WaitingToken[]>;
  /** Every token waiting for this event of this profile, keyed or not (moving waits on a merge). */
  waitingFor(profileId: string, event: string): Promise<WaitingToken[]>;
  delete(token: WaitingToken): Promise<void>;
}

/** An assignment recorded at journey entry (every arm, including control and holdout). */
export interface AssignmentRecord {
  readonly journey: string;
  readonly executionName: string;
  readonly profileId: string;
  readonly entryKey: string | null;
  readonly arm: string;
  readonly reason: string;
  readonly experiment: string | null;
  /** Whether an execution was started for it (control: no). */
  readonly started: boolean;
  readonly at: string;
  /** Fairness cohort (declared trait → value), when cohorts are configured. */
  readonly cohort?: Readonly<Record<string, string>>;
}

export interface Assignments {
  record(assignment: AssignmentRecord): Promise<void>;
}

/** The audit record of one decision. */
export interface DecisionRecord {
  readonly decisionId: string;
  readonly profileId: string;
  readonly journey: string;
  readonly step: string;
  readonly executionId: string;
  readonly at: string;
  readonly explanation: Readonly<Record<string, unknown>>;
}

export interface DecisionLog {
  record(decision: DecisionRecord): Promise<void>;
  /** Decisions about a profile, newest first (for audit and appeal). */
  listByProfile(profileId: string, limit: number): Promise<DecisionRecord[]>;
}

export type StartOutcome =
  | { readonly status: 'started'; readonly executionArn: string }
  | { readonly status: 'alreadyStarted' };

/** Runs journey state machines (Step Functions in AWS, aws-local-stepfunctions locally). */
export interface JourneyRunner {
  start(request: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: unknown;
  }): Promise<StartOutcome>;
  /** Completes a waiting task. `stale` when the token was already used or timed out. */
  resume(token: string, output: unknown): Promise<'resumed' | 'stale'>;
  fail(token: string, error: string, cause: string): Promise<'failed' | 'stale'>;
}
