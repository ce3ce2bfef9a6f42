/**
 * Campaign runs as the console follows them: the run record written at launch, and progress —
 * requested (the campaign-run pages' member records), started (start-journey's assignments), sent
 * and skipped by reason (the send ledger of each member's execution), and the status of the
 * campaign-run execution itself. Everything is read from what the run's parts already write, keyed
 * by the deterministic execution names; nothing counts twice when a page or a send is retried.
 */
import * as z from 'zod';
import { ConflictError, NotFoundError } from '../errors.js';
import { type LaunchDeps, type ResolvedLaunch, resolveLaunch } from './launch.js';

/** What is kept about a launched run (journeys table, `CAMPAIGN_RUNS` / `RUN#<runId>`). */
export interface RunRecord {
  readonly runId: string;
  readonly executionArn: string;
  readonly journey: string;
  readonly message?: { readonly channel: string; readonly intent: string };
  readonly audienceId?: string;
  readonly audienceName?: string;
  readonly audience: ResolvedLaunch['input']['audience'];
  readonly ratePerSecond: number;
  readonly startAt?: string;
  readonly timeZone?: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface RunStore {
  /** Stores a new run record; false when the run id is taken. */
  create(run: RunRecord): Promise<boolean>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(limit: number): Promise<RunRecord[]>;
  /** The run's member records (campaign-run pages), summed. */
  members(runId: string): Promise<{ executions: string[]; scanned: number; pages: number }>;
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface ExecutionView {
  readonly status: ExecutionStatus;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** The campaign-run state machine and the journeys' executions. */
export interface RunExecutions {
  /** Starts the campaign-run state machine; throws RunAlreadyExistsError when the name was used. */
  start(name: string, input: unknown): Promise<string>;
  describe(executionArn: string): Promise<ExecutionView | undefined>;
  /** The ARN of a journey's execution by name. */
  journeyExecutionArn(journey: string, executionName: string): string;
}

export class RunAlreadyExistsError extends Error {
  override readonly name = 'RunAlreadyExistsError';
}

/** Start-journey's assignments (journeys table `ASSIGN#<journey>`), by execution name. */
export interface AssignmentLookup {
  get(
    journey: string,
    executionNames: readonly string[],
  ): Promise<Map<string, { arm: string; started: boolean }>>;
}

/** The send ledger's entries of one execution (messages table `LEDGER#<executionArn>`). */
export interface LedgerLookup {
  outcomes(executionArn: string): Promise<{ status: string; reason?: string }[]>;
}

export interface ProgressDeps {
  readonly runs: RunStore;
  readonly executions: RunExecutions;
  readonly assignments: AssignmentLookup;
  readonly ledger: LedgerLookup;
  /** Most members whose outcomes are read per call (default 2,000; beyond: `complete: false`). */
  readonly maxMembers?: number;
  /** Most pending executions described per call, to see whether they ended without a send (default 25). */
  readonly maxDescribed?: number;
}

export type RunPhase = 'scheduled' | 'requesting' | 'delivering' | 'done' | 'failed' | 'stopped';

export interface RunProgress {
  readonly run: RunRecord;
  /** `done`, `failed` and `stopped` are final; a poller stops there. */
  readonly phase: RunPhase;
  readonly executionStatus: ExecutionStatus | 'UNKNOWN';
  readonly error?: { readonly code: string; readonly message: string };
  readonly scanned: number;
  readonly pages: number;
  /** People the run asked to start the journey for. */
  readonly requested: number;
  /** Journey executions started (holdouts included: they enter and send nothing). */
  readonly started: number;
  /** In the global control group: recorded, never started. */
  readonly control: number;
  /** In the journey's holdout: started, sends nothing by design. */
  readonly holdout: number;
  readonly sent: number;
  readonly failed: number;
  readonly skipped: Record<string, number>;
  readonly skippedTotal: number;
  /** Ended without a send (e.g. a branch that sends nothing, or an exit). */
  readonly noSend: number;
  /** Requested, but no outcome yet. */
  readonly pending: number;
  /** False when only the first `maxMembers` members were read. */
  readonly complete: boolean;
}

async function inBatches<T, R>(items: readonly T[], size: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}

function totalsOf(output: string | undefined): { scanned?: number; requested?: number; pages?: number } {
  if (!output) return {};
  try {
    const t = (JSON.parse(output) as { totals?: Record<string, unknown> }).totals ?? {};
    const n = (k: string) => (typeof t[k] === 'number' ? (t[k] as number) : undefined);
    return Object.fromEntries(
      (['scanned', 'requested', 'pages'] as const).flatMap((k) => (n(k) === undefined ? [] : [[k, n(k)]])),
    );
  } catch {
    return {};
  }
}

/** A run's progress now. */
export async function runProgress(deps: ProgressDeps, runId: string): Promise<RunProgress> {
  const run = await deps.runs.get(runId);
  if (!run) throw new NotFoundError('run_not_found', 'no campaign run has this id');
  const [execution, members] = await Promise.all([
    deps.executions.describe(run.executionArn),
    deps.runs.members(runId),
  ]);
  const maxMembers = deps.maxMembers ?? 2_000;
  const names = members.executions.slice(0, maxMembers);
  const assignments = await deps.assignments.get(run.journey, names);
  let started = 0;
  let control = 0;
  let holdout = 0;
  let sent = 0;
  let failed = 0;
  const skipped: Record<string, number> = {};
  const undecided: string[] = [];
  const startedNames = names.filter((n) => {
    const a = assignments.get(n);
    if (!a) return false;
    if (!a.started) {
      control++;
      return false;
    }
    started++;
    if (a.arm === 'holdout') {
      holdout++;
      return false;
    }
    return true;
  });
  const outcomes = await inBatches(startedNames, 25, async (n) => ({
    name: n,
    entries: await deps.ledger.outcomes(deps.executions.journeyExecutionArn(run.journey, n)),
  }));
  for (const { name, entries } of outcomes) {
    if (entries.length === 0) undecided.push(name);
    for (const e of entries) {
      if (e.status === 'sent') sent++;
      else if (e.status === 'failed') failed++;
      else if (e.status === 'skipped') {
        const reason = e.reason ?? 'unknown';
        skipped[reason] = (skipped[reason] ?? 0) + 1;
      }
    }
  }
  // Started executions with no ledger entry: still on their way, or ended without sending.
  const described = await inBatches(undecided.slice(0, deps.maxDescribed ?? 25), 10, (n) =>
    deps.executions.describe(deps.executions.journeyExecutionArn(run.journey, n)),
  );
  const noSend = described.filter((d) => d && d.status !== 'RUNNING').length;
  const requested = members.executions.length;
  const notStarted = names.filter((n) => !assignments.has(n)).length;
  const pending = notStarted + undecided.length - noSend;

  const status = execution?.status ?? 'UNKNOWN';
  const totals = totalsOf(execution?.output);
  const phase: RunPhase =
    status === 'FAILED'
      ? 'failed'
      : status === 'ABORTED' || status === 'TIMED_OUT'
        ? 'stopped'
        : status === 'RUNNING'
          ? requested === 0 && run.startAt && Date.parse(run.startAt) > Date.now()
            ? 'scheduled'
            : 'requesting'
          : status === 'SUCCEEDED'
            ? pending > 0
              ? 'delivering'
              : 'done'
            : 'requesting';
  const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
  return {
    run,
    phase,
    executionStatus: status,
    ...(status === 'FAILED'
      ? { error: { code: execution?.error ?? 'failed', message: execution?.cause ?? 'the run failed' } }
      : {}),
    scanned: totals.scanned ?? members.scanned,
    pages: totals.pages ?? members.pages,
    requested: totals.requested ?? requested,
    started,
    control,
    holdout,
    sent,
    failed,
    skipped,
    skippedTotal,
    noSend,
    pending: Math.max(0, pending),
    complete: members.executions.length <= maxMembers,
  };
}

export interface LaunchRunDeps extends LaunchDeps {
  readonly runs: Pick<RunStore, 'create'>;
  readonly executions: Pick<RunExecutions, 'start'>;
}

/**
 * Checks and starts a run: the record first (conditional on the run id), then the state machine
 * execution named by the run id. A run id is used once.
 */
export async function launchRun(deps: LaunchRunDeps, body: unknown, by: string): Promise<RunRecord> {
  const launch = await resolveLaunch(deps, body);
  const { input } = launch;
  const taken = () =>
    new ConflictError('run_exists', `run id '${input.runId}' was used already: a run id starts one run`, {
      issues: [{ path: ['runId'], code: 'conflict', message: 'this run id was used already' }],
    });
  const base = {
    runId: input.runId,
    journey: launch.plan.journey,
    ...(input.message ? { message: input.message } : {}),
    ...(launch.audience ? { audienceId: launch.audience.id, audienceName: launch.audience.name } : {}),
    audience: input.audience,
    ratePerSecond: input.ratePerSecond,
    ...(input.startAt ? { startAt: input.startAt } : {}),
    ...(launch.timeZone ? { timeZone: launch.timeZone } : {}),
    createdAt: deps.now().toISOString(),
    createdBy: by,
  };
  let executionArn: string;
  try {
    executionArn = await deps.executions.start(input.runId, input);
  } catch (err) {
    if (err instanceof RunAlreadyExistsError) throw taken();
    throw err;
  }
  const record: RunRecord = { ...base, executionArn };
  // After the start: a record always names an execution that exists. The name is unique in Step
  // Functions, so a second launch with this id failed above.
  if (!(await deps.runs.create(record))) throw taken();
  return record;
}

/** Query of `GET /admin/campaigns`. */
export const RunListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25) });

/** A run id in a path. */
export const RunIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
