/**
 * Ports of the console's journey views: the pause flag, the state machines' executions and
 * histories (Step Functions), and the entry counters measurement already keeps.
 */

/** Whether a journey takes new entries; who changed it and when. */
export interface JourneyPauseState {
  readonly paused: boolean;
  /** The caller who last paused or resumed it (an IAM ARN, Cognito or local user name). */
  readonly by: string;
  readonly at: string;
}

export interface JourneyPauses {
  get(journey: string): Promise<JourneyPauseState | undefined>;
  set(journey: string, state: JourneyPauseState): Promise<void>;
}

/** What start-journey asks before it starts an execution. */
export interface PauseCheck {
  isPaused(journey: string): Promise<boolean>;
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
}

/** One state entered by an execution, in order. */
export interface EnteredState {
  readonly name: string;
  readonly at: string;
}

/** Step Functions reads (ListExecutions, DescribeStateMachine, DescribeExecution, GetExecutionHistory). */
export interface JourneyExecutions {
  /** The deployed ASL document. */
  definition(stateMachineArn: string): Promise<string>;
  /** Executions newest first, at most `max`; `more` when the listing went on. */
  list(
    stateMachineArn: string,
    options: { readonly status?: ExecutionStatus; readonly max: number },
  ): Promise<{ executions: ExecutionSummary[]; more: boolean }>;
  /** Undefined when there is no such execution (never started, or past Step Functions' retention). */
  describe(executionArn: string): Promise<ExecutionSummary | undefined>;
  /** States entered, oldest first, reading at most `maxEvents` history events. */
  enteredStates(executionArn: string, maxEvents: number): Promise<EnteredState[]>;
  /** The state entered last (from the end of the history). */
  currentState(executionArn: string): Promise<EnteredState | undefined>;
}

/** A journey's entry counters (measurement's `STATS#<journey>` arm counters). */
export interface JourneyEntryCounters {
  arms(journey: string): Promise<Readonly<Record<string, { exposures: number; conversions: number }>>>;
}

/** The executions a person entered a journey with (measurement's exposure index). */
export interface PersonEntries {
  entries(
    profileId: string,
  ): Promise<readonly { journey: string; executionName: string; arm: string; at: string }[]>;
}
