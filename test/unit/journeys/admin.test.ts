import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createJourneysAdminHandler, type JourneysAdminDeps } from '../../../functions/journeys-admin/app.js';
import { createStartJourneyHandler } from '../../../functions/start-journey/app.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import type { MessageLogReader } from '../../../shared/domain/channels/message-log.js';
import { inGlobalControl } from '../../../shared/domain/experiments/assignment.js';
import {
  cachedPauseCheck,
  executionArnOf,
  getJourney,
  graphOf,
  listJourneys,
} from '../../../shared/domain/journeys/admin.js';
import { compileJourney } from '../../../shared/domain/journeys/compile.js';
import type {
  EnteredState,
  ExecutionSummary,
  JourneyExecutions,
  JourneyPauseState,
  JourneyPauses,
} from '../../../shared/ports/journey-admin.js';
import type { JourneyRunner } from '../../../shared/ports/journeys.js';
import { silentLogger } from '../../support/logger.js';
import { busEvent, MemoryAssignments } from './support.js';

const ctx = {} as Context;
const journeys = defaultJourneysConfig.journeys;
const cart = journeys.find((j) => j.id === 'cart-recovery')!;
const arnOf = (id: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:feltfit-${id}`;
const stateMachines = Object.fromEntries(journeys.filter((j) => j.enabled).map((j) => [j.id, arnOf(j.id)]));
const compiled = (id: string) =>
  JSON.stringify(
    compileJourney(journeys.find((j) => j.id === id)!, {
      sendRetryErrors: defaultJourneysConfig.sendRetryErrors,
    }),
  );

class MemoryPauses implements JourneyPauses {
  readonly items = new Map<string, JourneyPauseState>();
  reads = 0;
  async get(journey: string) {
    this.reads++;
    return this.items.get(journey);
  }
  async set(journey: string, state: JourneyPauseState) {
    this.items.set(journey, state);
  }
}

/** Step Functions as a list of executions, each with the states it entered. */
class MemoryExecutions implements JourneyExecutions {
  constructor(readonly runs: (ExecutionSummary & { stateMachineArn: string; states: string[] })[]) {}
  async definition(arn: string) {
    return compiled(arn.split(':').pop()!.replace('feltfit-', ''));
  }
  async list(arn: string, o: { status?: string; max: number }) {
    const all = this.runs.filter((r) => r.stateMachineArn === arn && (!o.status || r.status === o.status));
    return { executions: all.slice(0, o.max), more: all.length > o.max };
  }
  async describe(executionArn: string) {
    return this.runs.find((r) => r.executionArn === executionArn);
  }
  async enteredStates(executionArn: string): Promise<EnteredState[]> {
    return (this.runs.find((r) => r.executionArn === executionArn)?.states ?? []).map((name) => ({
      name,
      at: '2026-03-02T10:00:00.000Z',
    }));
  }
  async currentState(executionArn: string) {
    return (await this.enteredStates(executionArn)).at(-1);
  }
}

const run = (name: string, status: ExecutionSummary['status'], states: string[]) => ({
  executionArn: executionArnOf(arnOf('cart-recovery'), name),
  stateMachineArn: arnOf('cart-recovery'),
  name,
  status,
  startDate: '2026-03-02T10:00:00.000Z',
  states,
});

function deps(overrides: Partial<JourneysAdminDeps> = {}): JourneysAdminDeps {
  return {
    journeys,
    stateMachines,
    executions: new MemoryExecutions([
      run('cart-recovery-a', 'RUNNING', ['waitForOrder.WaitForEvent']),
      run('cart-recovery-b', 'SUCCEEDED', [
        'waitForOrder.WaitForEvent',
        'waitForOrder.Received.CheckExit',
        'waitForOrder.Received.ExitMatched',
        'ExitedOnCondition',
      ]),
    ]),
    counters: {
      arms: async (j): Promise<Record<string, { exposures: number; conversions: number }>> =>
        j === 'cart-recovery'
          ? {
              empathy: { exposures: 3, conversions: 1 },
              reminder: { exposures: 2, conversions: 0 },
              control: { exposures: 1, conversions: 0 },
            }
          : {},
    },
    pauses: new MemoryPauses(),
    people: {
      entries: async (profileId) =>
        profileId === 'p-1'
          ? [
              {
                journey: 'cart-recovery',
                executionName: 'cart-recovery-a',
                arm: 'empathy',
                at: '2026-03-02T10:00:00Z',
              },
              {
                journey: 'onboarding',
                executionName: 'onboarding-x',
                arm: 'guide',
                at: '2026-03-01T10:00:00Z',
              },
            ]
          : [],
    },
    messages: { list: async () => ({ messages: [] }) },
    now: () => new Date('2026-03-02T12:00:00.000Z'),
    ...overrides,
  };
}

function request(method: string, path: string, query: Record<string, string> = {}, groups?: string[]) {
  const console = groups !== undefined;
  return {
    rawPath: `${console ? '/api' : ''}${path}`,
    requestContext: {
      http: { method },
      ...(console
        ? { authorizer: { jwt: { claims: { 'cognito:username': 'mia', 'cognito:groups': groups } } } }
        : {}),
    },
    queryStringParameters: query,
  } as unknown as APIGatewayProxyEventV2;
}

describe('a journey graph', () => {
  it('has a node per compiled state and an edge per Next, Choice rule, Default and Catch', () => {
    const graph = graphOf(JSON.parse(compiled('cart-recovery')));
    const names = graph.nodes.map((n) => n.id);
    expect(names).toContain('waitForOrder.WaitForEvent');
    expect(graph.nodes.find((n) => n.start)?.id).toBe('waitForOrder.WaitForEvent');
    expect(graph.nodes.find((n) => n.id === 'ExitedOnCondition')).toMatchObject({
      type: 'Succeed',
      end: true,
    });
    expect(graph.edges).toContainEqual(
      expect.objectContaining({
        from: 'waitForOrder.WaitForEvent',
        kind: 'catch',
        label: 'States.Timeout, States.HeartbeatTimeout',
      }),
    );
    expect(graph.edges.some((e) => e.kind === 'default')).toBe(true);
    expect(graph.edges.some((e) => e.kind === 'choice' && e.label?.includes('exitCheck.exit'))).toBe(true);
    for (const e of graph.edges) expect(names).toContain(e.to);
  });
});

describe('journey counts', () => {
  it('counts entered and converted from the arm counters, active from running executions, the rest as exited', async () => {
    const list = await listJourneys(deps());
    const c = list.find((j) => j.id === 'cart-recovery')!;
    expect(c).toMatchObject({ name: cart.name, enabled: true, pause: null });
    expect(c.counts).toMatchObject({ entered: 6, control: 1, active: 1, converted: 1, exited: 4 });
    expect(c.counts.byArm.empathy).toEqual({ entered: 3, converted: 1 });
    expect(list.map((j) => j.id)).toEqual(journeys.map((j) => j.id));
  });

  it('counts the executions that entered each state once each, and where the running ones are', async () => {
    const j = await getJourney(deps(), 'cart-recovery', { sample: 50 });
    expect(j.stateCounts['waitForOrder.WaitForEvent']).toBe(2);
    expect(j.stateCounts.ExitedOnCondition).toBe(1);
    expect(j.stateCounts['split.Split']).toBe(0);
    expect(j.currentCounts).toEqual({ 'waitForOrder.WaitForEvent': 1 });
    expect(j.sample).toEqual({ executions: 2, requested: 50, more: false });
  });

  it('lists a person’s executions of the journey with the state each is in', async () => {
    const j = await getJourney(deps(), 'cart-recovery', { sample: 10, profileId: 'p-1' });
    expect(j.person?.executions).toEqual([
      expect.objectContaining({
        executionName: 'cart-recovery-a',
        status: 'RUNNING',
        currentState: expect.objectContaining({ name: 'waitForOrder.WaitForEvent' }),
      }),
    ]);
  });

  it('answers 404 journey_not_found for a journey that is not in the catalogue', async () => {
    await expect(getJourney(deps(), 'nope', { sample: 5 })).rejects.toMatchObject({
      code: 'journey_not_found',
    });
  });
});

describe('the journeys-admin routes', () => {
  it('pauses and resumes a journey, recording who and when', async () => {
    const d = deps();
    const handler = createJourneysAdminHandler(d, silentLogger);
    const paused = await handler(
      request('POST', '/admin/journeys/cart-recovery/pause', {}, ['marketer']),
      ctx,
    );
    expect(paused.statusCode).toBe(200);
    expect(JSON.parse(paused.body!)).toEqual({
      journey: 'cart-recovery',
      pause: { paused: true, by: 'mia', at: '2026-03-02T12:00:00.000Z' },
    });
    const listed = JSON.parse((await handler(request('GET', '/admin/journeys'), ctx)).body!);
    expect(listed.journeys.find((j: { id: string }) => j.id === 'cart-recovery').pause.paused).toBe(true);
    await handler(request('POST', '/admin/journeys/cart-recovery/resume', {}, ['marketer']), ctx);
    expect((await d.pauses.get('cart-recovery'))?.paused).toBe(false);
  });

  it('refuses a viewer a pause with 403', async () => {
    const handler = createJourneysAdminHandler(deps(), silentLogger);
    const res = await handler(request('POST', '/admin/journeys/cart-recovery/pause', {}, ['viewer']), ctx);
    expect(res.statusCode).toBe(403);
  });

  it('names the field of a bad query and answers 4xx, never 500', async () => {
    const handler = createJourneysAdminHandler(deps(), silentLogger);
    const bad = await handler(request('GET', '/admin/messages', { status: 'lost' }), ctx);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body!).error.issues[0].path).toEqual(['status']);
    const unknown = await handler(request('GET', '/admin/journeys/nope'), ctx);
    expect(unknown.statusCode).toBe(404);
  });

  it('lists the delivery log with the filters given, and the filter options', async () => {
    const seen: unknown[] = [];
    const messages: MessageLogReader = {
      list: async (q) => {
        seen.push(q);
        return { messages: [] };
      },
    };
    const handler = createJourneysAdminHandler(deps({ messages }), silentLogger);
    const res = await handler(
      request('GET', '/admin/messages', { status: 'skipped', channel: 'email' }),
      ctx,
    );
    const body = JSON.parse(res.body!);
    expect(seen[0]).toMatchObject({ status: 'skipped', channel: 'email', limit: 50 });
    expect(body.filters.reasons).toContain('no_consent');
    expect(body.filters.reasons).toContain('no_approved_variant');
  });
});

describe('start-journey while a journey is paused', () => {
  const control = defaultJourneysConfig.experiments.globalControl;
  const someone = Array.from({ length: 50 }, (_, i) => `profile-${i}`).find(
    (id) => !inGlobalControl(control, id),
  )!;
  const checkout = () =>
    busEvent(
      'CheckoutStarted',
      { profileId: someone, cartId: 'cart-1', value: 80, hesitation: {} },
      { id: 'evt-1' },
    );

  it('skips the journey with reason paused, starting and recording nothing', async () => {
    const pauses = new MemoryPauses();
    pauses.items.set('cart-recovery', { paused: true, by: 'mia', at: '2026-03-02T11:00:00.000Z' });
    const started: string[] = [];
    const runner: Pick<JourneyRunner, 'start'> = {
      start: async (r) => {
        started.push(r.name);
        return { status: 'started', executionArn: 'arn:x' };
      },
    };
    const assignments = new MemoryAssignments();
    const handler = createStartJourneyHandler(
      {
        journeys,
        stateMachines,
        control,
        runner,
        assignments,
        now: () => new Date('2026-03-02T12:00:00.000Z'),
        pauses: cachedPauseCheck(pauses, 5_000),
      },
      silentLogger,
    );
    const out = await handler(checkout(), ctx);
    expect(out).toMatchObject({
      ok: true,
      entries: [{ journey: 'cart-recovery', outcome: 'skipped', reason: 'paused' }],
    });
    expect(started).toEqual([]);
    expect(assignments.items).toEqual([]);
  });

  it('starts again once resumed, after the cached flag expires', async () => {
    const pauses = new MemoryPauses();
    pauses.items.set('cart-recovery', { paused: true, by: 'mia', at: 'x' });
    let now = 0;
    const check = cachedPauseCheck(pauses, 5_000, () => now);
    expect(await check.isPaused('cart-recovery')).toBe(true);
    pauses.items.set('cart-recovery', { paused: false, by: 'mia', at: 'y' });
    now = 4_000;
    expect(await check.isPaused('cart-recovery')).toBe(true);
    now = 5_001;
    expect(await check.isPaused('cart-recovery')).toBe(false);
    expect(pauses.reads).toBe(2);
  });
});
