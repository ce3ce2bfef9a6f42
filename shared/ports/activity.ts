/**
 * Ports of the console's read models: a person's activity, the overview's daily counters, and the
 * journey executions Step Functions runs. Narrow on purpose: the admin function reads them, the
 * send, decide and ingest functions write the counters and the per-person message log.
 */
import type { PersonMessage } from '../api/people.js';

/** One message outcome as the per-person message log keeps it. */
export interface MessageOutcome {
  readonly profileId: string;
  readonly at: string;
  readonly channel: string;
  readonly journey: string;
  readonly step: string;
  readonly executionId: string;
  readonly variantId?: string;
  readonly intent?: string;
  /** `sent`, `skipped` or `failed`. */
  readonly status: 'sent' | 'skipped' | 'failed';
  /** The rule's reason code for a skip or failure. */
  readonly reason?: string;
}

/**
 * Where each decided message outcome is recorded: one item under the person (their message log)
 * and one ADD on the day's counter of (channel, status, reason). Written by the send function for
 * its outcomes and by decide for a step that found no approved content.
 */
export interface MessageOutcomeLog {
  record(outcome: MessageOutcome): Promise<void>;
}

/** The person's message log, newest first. */
export interface PersonMessageLog {
  listByPerson(profileId: string, limit: number): Promise<PersonMessage[]>;
}

/** A day's count of message outcomes of one kind. */
export interface OutcomeCount {
  readonly day: string;
  readonly channel: string;
  readonly status: string;
  readonly reason?: string;
  readonly count: number;
}

/** The daily outcome counters, read for the overview. */
export interface OutcomeCounters {
  /** Counters of the days in [fromDay, toDay] (`yyyy-mm-dd`). */
  counts(fromDay: string, toDay: string): Promise<OutcomeCount[]>;
}

/** Accepted events per day (ingest adds a batch's events with one ADD per day they fall on). */
export interface EventDayCounter {
  add(day: string, count: number): Promise<void>;
  /** Day → events, for the days in [fromDay, toDay]. */
  counts(fromDay: string, toDay: string): Promise<Record<string, number>>;
}

/** A journey execution as Step Functions reports it. */
export interface ExecutionState {
  readonly status: string;
  readonly startedAt?: string;
  /** The state the execution is in (its latest entered state), when it is running. */
  readonly step?: string;
}

/** Reads journey executions (Step Functions in AWS, the local interpreter locally). */
export interface ExecutionReader {
  /** Undefined when the journey has no state machine here or the execution does not exist. */
  describe(journey: string, executionName: string): Promise<ExecutionState | undefined>;
  /** Running executions of a journey, counted up to `cap` (`capped` when there are more). */
  countRunning(journey: string, cap: number): Promise<{ count: number; capped: boolean }>;
}

/** The latest evaluation of a monitored model (monitor-models' output). */
export interface ModelEvaluation {
  readonly model: string;
  readonly day: string;
  readonly version?: string;
  readonly drift: boolean;
  readonly reasons: readonly string[];
}

export interface ModelMonitorReader {
  latest(model: string): Promise<ModelEvaluation | undefined>;
}

/** Repeat-purchase counters by day (measurement's `KPI` / `CUSTOMERS#<day>` increments). */
export interface CustomerCounters {
  totals(): Promise<{ customers: number; repeatCustomers: number }>;
  /** Day → the customers and repeat customers first counted that day. */
  daily(
    fromDay: string,
    toDay: string,
  ): Promise<Record<string, { customers: number; repeatCustomers: number }>>;
}
