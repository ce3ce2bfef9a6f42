/**
 * The console's journey views: each journey with its entry counts, its graph as the compiled state
 * machine draws it (with how many executions entered each state), a person's executions, and pausing.
 *
 * Where each number comes from (docs/journeys.md, "In the console"):
 *   entered    assignments recorded at entry, every arm (measurement's `STATS#<journey>` exposures)
 *   converted  exposures credited with a conversion (the same counters)
 *   active     RUNNING executions (ListExecutions, counted up to a bound)
 *   exited     started executions no longer running: entered − global control − active
 *   per state  executions that entered the state, over the latest executions' histories (a bounded
 *              sample, reported with its size): Step Functions keeps no per-state counter, and a
 *              counter written by every task would cost the hot path writes for a page read rarely
 */
import * as z from 'zod';
import type {
  EnteredState,
  ExecutionStatus,
  JourneyEntryCounters,
  JourneyExecutions,
  JourneyPauseState,
  JourneyPauses,
  PauseCheck,
  PersonEntries,
} from '../../ports/journey-admin.js';
import { NotFoundError } from '../errors.js';
import type { AslDefinition, AslState } from './compile.js';
import type { JourneyDefinition } from './definition.js';

/** Path parameter `{journeyId}`. */
export const JourneyIdParam = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a journey id: letters, digits, - and _');

/** Query of `GET /admin/journeys/{journeyId}`. */
export const JourneyQuery = z.object({
  /** A person's executions of this journey. */
  profileId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_:-]+$/, 'a profile id')
    .optional(),
  /** How many of the latest executions the per-state counts read (each is one history read). */
  sample: z.coerce.number().int().min(1).max(200).default(50),
});
export type JourneyQuery = z.infer<typeof JourneyQuery>;

/** Bounds on what one request reads. */
export const ACTIVE_COUNT_LIMIT = 5000;
const HISTORY_EVENTS_LIMIT = 1000;
const CONCURRENCY = 8;

export interface JourneyCounts {
  readonly entered: number;
  readonly active: number;
  /** True when more executions are running than were counted (`active` is then a lower bound). */
  readonly activeCapped: boolean;
  readonly converted: number;
  readonly exited: number;
  /** Assignments to the global control group (recorded, never started). */
  readonly control: number;
  readonly byArm: Readonly<Record<string, { entered: number; converted: number }>>;
}

export interface JourneySummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  /** The deployed state machine; absent for a journey that is not enabled. */
  readonly stateMachineArn?: string;
  readonly pause: JourneyPauseState | null;
  readonly counts: JourneyCounts;
}

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphNode {
  /** The state's name (`<stepId>.<Role>`, or a terminal state). */
  readonly id: string;
  readonly type: string;
  /** The definition step the state belongs to. */
  readonly step: string;
  readonly start: boolean;
  readonly end: boolean;
  readonly comment?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Why the edge is taken (a Choice's variable and value, a Catch's errors). */
  readonly label?: string;
}

export interface JourneyGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface JourneyDeps {
  readonly journeys: readonly JourneyDefinition[];
  /** Journey id → state machine ARN (the enabled, deployed ones). */
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly executions: JourneyExecutions;
  readonly counters: JourneyEntryCounters;
  readonly pauses: JourneyPauses;
  readonly people: PersonEntries;
}

function conditionLabel(c: Record<string, unknown>): string | undefined {
  const variable = typeof c.Variable === 'string' ? c.Variable.replace(/^\$\./, '') : undefined;
  const op = Object.keys(c).find((k) => k !== 'Variable' && k !== 'Next');
  if (variable && op) return `${variable} ${op} ${JSON.stringify(c[op])}`;
  if (Array.isArray(c.And)) return (c.And as Record<string, unknown>[]).map(conditionLabel).join(' and ');
  if (Array.isArray(c.Or)) return (c.Or as Record<string, unknown>[]).map(conditionLabel).join(' or ');
  return undefined;
}

/**
 * The graph of a compiled definition: one node per state, one edge per transition (Next, each
 * Choice rule, Default, each Catch). Read from the deployed ASL, so it shows what runs.
 */
export function graphOf(definition: AslDefinition): JourneyGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const [id, state] of Object.entries(definition.States) as [string, AslState][]) {
    const terminal = state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true;
    nodes.push({
      id,
      type: state.Type,
      step: id.includes('.') ? id.slice(0, id.indexOf('.')) : id,
      start: id === definition.StartAt,
      end: terminal,
      ...(typeof state.Comment === 'string' ? { comment: state.Comment } : {}),
    });
    if (typeof state.Next === 'string') edges.push({ from: id, to: state.Next, kind: 'next' });
    for (const c of (state.Choices as Record<string, unknown>[] | undefined) ?? []) {
      const label = conditionLabel(c);
      edges.push({ from: id, to: String(c.Next), kind: 'choice', ...(label ? { label } : {}) });
    }
    if (typeof state.Default === 'string') edges.push({ from: id, to: state.Default, kind: 'default' });
    for (const c of (state.Catch as { ErrorEquals?: string[]; Next: string }[] | undefined) ?? []) {
      edges.push({
        from: id,
        to: c.Next,
        kind: 'catch',
        ...(c.ErrorEquals ? { label: c.ErrorEquals.join(', ') } : {}),
      });
    }
  }
  return { nodes, edges };
}

/** Runs `fn` over `items`, at most `limit` at a time, in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function journeyOf(deps: Pick<JourneyDeps, 'journeys'>, id: string): JourneyDefinition {
  const journey = deps.journeys.find((j) => j.id === id);
  if (!journey) throw new NotFoundError('journey_not_found', `there is no journey '${id}'`);
  return journey;
}

async function countsOf(deps: JourneyDeps, journey: JourneyDefinition): Promise<JourneyCounts> {
  const arn = deps.stateMachines[journey.id];
  const [arms, running] = await Promise.all([
    deps.counters.arms(journey.id),
    arn
      ? deps.executions.list(arn, { status: 'RUNNING', max: ACTIVE_COUNT_LIMIT })
      : Promise.resolve({ executions: [], more: false }),
  ]);
  let entered = 0;
  let converted = 0;
  const byArm: Record<string, { entered: number; converted: number }> = {};
  for (const [arm, c] of Object.entries(arms)) {
    entered += c.exposures;
    converted += c.conversions;
    byArm[arm] = { entered: c.exposures, converted: c.conversions };
  }
  const control = arms.control?.exposures ?? 0;
  const active = running.executions.length;
  return {
    entered,
    active,
    activeCapped: running.more,
    converted,
    // Counters and listings are read apart: never below zero while an entry is being recorded.
    exited: Math.max(0, entered - control - active),
    control,
    byArm,
  };
}

async function summaryOf(deps: JourneyDeps, journey: JourneyDefinition): Promise<JourneySummary> {
  const arn = deps.stateMachines[journey.id];
  const [pause, counts] = await Promise.all([deps.pauses.get(journey.id), countsOf(deps, journey)]);
  return {
    id: journey.id,
    name: journey.name,
    description: journey.description ?? '',
    enabled: journey.enabled && arn !== undefined,
    ...(arn ? { stateMachineArn: arn } : {}),
    pause: pause ?? null,
    counts,
  };
}

/** Every journey of the catalogue with its counts and pause state. */
export async function listJourneys(deps: JourneyDeps): Promise<JourneySummary[]> {
  return Promise.all(deps.journeys.map((j) => summaryOf(deps, j)));
}

export interface PersonExecution {
  readonly executionName: string;
  readonly arm: string;
  readonly enteredAt: string;
  /** `NOT_STARTED` for the global control group (recorded, no execution) or an expired one. */
  readonly status: ExecutionStatus | 'NOT_STARTED';
  readonly startDate?: string;
  readonly stopDate?: string;
  /** The state entered last (the current one while RUNNING). */
  readonly currentState?: EnteredState;
}

/** Execution ARN of `name` on a state machine (`…:stateMachine:<sm>` → `…:execution:<sm>:<name>`). */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** A person's executions of a journey, newest first, with the state each is in. */
export async function personExecutions(
  deps: JourneyDeps,
  journey: JourneyDefinition,
  profileId: string,
): Promise<PersonExecution[]> {
  const arn = deps.stateMachines[journey.id];
  const entries = (await deps.people.entries(profileId))
    .filter((e) => e.journey === journey.id)
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, 20);
  return mapLimited(entries, CONCURRENCY, async (e): Promise<PersonExecution> => {
    const base = { executionName: e.executionName, arm: e.arm, enteredAt: e.at };
    if (!arn || e.arm === 'control') return { ...base, status: 'NOT_STARTED' };
    const executionArn = executionArnOf(arn, e.executionName);
    const found = await deps.executions.describe(executionArn);
    if (!found) return { ...base, status: 'NOT_STARTED' };
    const current = await deps.executions.currentState(executionArn);
    return {
      ...base,
      status: found.status,
      startDate: found.startDate,
      ...(found.stopDate ? { stopDate: found.stopDate } : {}),
      ...(current ? { currentState: current } : {}),
    };
  });
}

export interface JourneyDetail extends JourneySummary {
  readonly graph: JourneyGraph;
  /** Executions that entered each state, over `sample.executions` latest executions. */
  readonly stateCounts: Readonly<Record<string, number>>;
  /** Of the sampled executions, how many are in each state now (running ones only). */
  readonly currentCounts: Readonly<Record<string, number>>;
  readonly sample: { readonly executions: number; readonly requested: number; readonly more: boolean };
  readonly person?: { readonly profileId: string; readonly executions: readonly PersonExecution[] };
}

/** One journey: its summary, graph with per-state counts, and optionally a person's executions. */
export async function getJourney(deps: JourneyDeps, id: string, query: JourneyQuery): Promise<JourneyDetail> {
  const journey = journeyOf(deps, id);
  const arn = deps.stateMachines[journey.id];
  const summary = await summaryOf(deps, journey);
  if (!arn) {
    return {
      ...summary,
      graph: { nodes: [], edges: [] },
      stateCounts: {},
      currentCounts: {},
      sample: { executions: 0, requested: query.sample, more: false },
    };
  }
  const [text, latest] = await Promise.all([
    deps.executions.definition(arn),
    deps.executions.list(arn, { max: query.sample }),
  ]);
  const graph = graphOf(JSON.parse(text) as AslDefinition);
  const stateCounts: Record<string, number> = Object.fromEntries(graph.nodes.map((n) => [n.id, 0]));
  const currentCounts: Record<string, number> = {};
  const histories = await mapLimited(latest.executions, CONCURRENCY, (e) =>
    deps.executions.enteredStates(e.executionArn, HISTORY_EVENTS_LIMIT),
  );
  histories.forEach((states, i) => {
    // A state entered twice by one execution (a loop, a resend) counts once: executions, not visits.
    for (const name of new Set(states.map((s) => s.name))) stateCounts[name] = (stateCounts[name] ?? 0) + 1;
    const last = states.at(-1);
    if (last && latest.executions[i]!.status === 'RUNNING')
      currentCounts[last.name] = (currentCounts[last.name] ?? 0) + 1;
  });
  return {
    ...summary,
    graph,
    stateCounts,
    currentCounts,
    sample: { executions: latest.executions.length, requested: query.sample, more: latest.more },
    ...(query.profileId
      ? {
          person: {
            profileId: query.profileId,
            executions: await personExecutions(deps, journey, query.profileId),
          },
        }
      : {}),
  };
}

/** Pauses or resumes a journey's new entries; running executions carry on. */
export async function setPaused(
  deps: Pick<JourneyDeps, 'journeys' | 'pauses'>,
  id: string,
  paused: boolean,
  by: string,
  now: Date,
): Promise<{ journey: string; pause: JourneyPauseState }> {
  const journey = journeyOf(deps, id);
  const pause = { paused, by, at: now.toISOString() };
  await deps.pauses.set(journey.id, pause);
  return { journey: journey.id, pause };
}

/**
 * A PauseCheck that reads each journey's flag at most once per `ttlMs`: start-journey runs for every
 * trigger event, and a pause may take that long to reach a warm function.
 */
export function cachedPauseCheck(
  pauses: Pick<JourneyPauses, 'get'>,
  ttlMs: number,
  now = () => Date.now(),
): PauseCheck {
  const cache = new Map<string, { paused: boolean; until: number }>();
  return {
    async isPaused(journey) {
      const hit = cache.get(journey);
      if (hit && hit.until > now()) return hit.paused;
      const paused = (await pauses.get(journey))?.paused === true;
      cache.set(journey, { paused, until: now() + ttlMs });
      return paused;
    },
  };
}

/** How long start-journey trusts a pause flag it read (docs/journeys.md). */
export const PAUSE_CACHE_MS = 5_000;

export type { ExecutionStatus };
