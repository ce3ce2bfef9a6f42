import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { defaultMeasurementConfig } from '../../../shared/config/measurement.js';
import {
  DEFAULT_MAX_TRIGGER_AGE_HOURS,
  JourneyDefinition,
} from '../../../shared/domain/journeys/definition.js';
import { resumeOnEvent } from '../../../shared/domain/journeys/resume.js';
import { startJourneys } from '../../../shared/domain/journeys/start.js';
import { JourneyStepRequest, runJourneyStep } from '../../../shared/domain/journeys/steps.js';
import type { BusEvent } from '../../../shared/domain/journeys/triggers.js';
import { type Conversion, recordConversion } from '../../../shared/domain/measurement/conversions.js';
import {
  FakeRunner,
  MemoryAssignments,
  MemoryBandit,
  MemoryOccurrences,
  MemoryTokens,
  profile,
} from './support.js';

// An import of history (feltfit import, a replayed backlog): the rules judge each event by when it
// happened (detail.occurredAt), not when it arrived.
const NOW = new Date('2026-03-02T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const orderEvent = (id: string, occurredAt: string, extra: Record<string, unknown> = {}): BusEvent => ({
  id,
  source: 'feltfit.profiles',
  'detail-type': 'OrderCompleted',
  time: NOW.toISOString().replace(/\.\d+Z$/, 'Z'),
  detail: { profileId: 'p-1', orderId: id, revenue: 30, occurredAt, ...extra },
});

function startDeps() {
  const runner = new FakeRunner();
  const assignments = new MemoryAssignments();
  const deps = {
    journeys: defaultJourneysConfig.journeys,
    stateMachines: Object.fromEntries(defaultJourneysConfig.journeys.map((j) => [j.id, `arn:sm:${j.id}`])),
    control: { share: 0, salt: 'none' },
    runner,
    assignments,
    now: () => NOW,
  };
  return { deps, runner, assignments };
}

describe('old moments', () => {
  it('gives every event-triggered catalogue journey a maximum trigger age, and a custom one a default', () => {
    const ages = defaultJourneysConfig.journeys.flatMap((j) =>
      j.trigger.kind === 'event' ? [[j.id, j.trigger.maxAgeHours]] : [],
    );
    expect(Object.fromEntries(ages)).toEqual({
      onboarding: 168,
      'cart-recovery': 24,
      'browse-abandonment': 24,
      replenishment: 1440,
      'service-follow-up': 168,
    });
    const custom = JourneyDefinition.parse({
      id: 'custom',
      name: 'Custom',
      trigger: { kind: 'event', detailType: 'OrderCompleted' },
      start: 'done',
      steps: [{ id: 'done', type: 'exit', reason: 'completed' }],
    });
    expect(custom.trigger).toMatchObject({ maxAgeHours: DEFAULT_MAX_TRIGGER_AGE_HOURS });
  });

  it('starts nothing for an order of 1997 and starts replenishment for one of an hour ago', async () => {
    const { deps, runner, assignments } = startDeps();
    const old = await startJourneys(deps, orderEvent('o-1997', '1997-01-01T00:00:00.000Z'));
    expect(old).toEqual([{ journey: 'replenishment', outcome: 'skipped', reason: 'stale_trigger' }]);
    expect(runner.started).toHaveLength(0);
    expect(assignments.items).toHaveLength(0);
    const recent = await startJourneys(deps, orderEvent('o-now', ago(3_600_000)));
    expect(recent).toEqual([expect.objectContaining({ journey: 'replenishment', outcome: 'started' })]);
    expect(runner.started).toHaveLength(1);
  });

  it('does not resume a wait with an event that happened before the execution started', async () => {
    const tokens = new MemoryTokens();
    const occurrences = new MemoryOccurrences();
    const runner = new FakeRunner();
    const since = ago(30 * 60_000);
    await runJourneyStep(
      {
        tokens,
        occurrences,
        runner,
        profiles: { get: async () => profile() },
        profileWriter: { setJourneyTraits: async () => {} },
        bandit: new MemoryBandit(),
      },
      JourneyStepRequest.parse({
        action: 'registerWait',
        profileId: 'p-1',
        journey: 'cart-recovery',
        entryKey: 'cart-1',
        executionId: 'exec-1',
        step: 'waitForOrder',
        token: 'tok-1',
        event: 'OrderCompleted',
        keyProperty: 'cartId',
        since,
        timeoutSeconds: 3600,
        at: since,
      }),
    );
    expect(tokens.items[0]).toMatchObject({ token: 'tok-1', since });
    const deps = { tokens, occurrences, runner };
    // An imported order of the same cart id, placed long before this execution started.
    const imported = await resumeOnEvent(deps, orderEvent('o-old', ago(400 * DAY), { cartId: 'cart-1' }));
    expect(imported).toEqual({ outcome: 'handled', resumed: 0, stale: 0, before: 1 });
    expect(runner.resumed).toHaveLength(0);
    expect(tokens.items).toHaveLength(1);
    expect(occurrences.items).toHaveLength(1); // still recorded, for what it is: a past order
    const live = await resumeOnEvent(deps, orderEvent('o-new', ago(60_000), { cartId: 'cart-1' }));
    expect(live).toEqual({ outcome: 'handled', resumed: 1, stale: 0 });
    expect(tokens.items).toHaveLength(0);
  });

  it('still resumes a token stored without a start time (stored before the rule)', async () => {
    const tokens = new MemoryTokens();
    const runner = new FakeRunner();
    await tokens.put({
      profileId: 'p-1',
      event: 'OrderCompleted',
      journey: 'onboarding',
      executionId: 'e',
      step: 's',
      token: 'tok-legacy',
      until: NOW.toISOString(),
    });
    const out = await resumeOnEvent(
      { tokens, occurrences: new MemoryOccurrences(), runner },
      orderEvent('o-old', ago(400 * DAY)),
    );
    expect(out).toEqual({ outcome: 'handled', resumed: 1, stale: 0 });
  });

  describe('record-conversion', () => {
    const run = async (conversion: Conversion, exposureAt?: string) => {
      const recorded: unknown[] = [];
      const credited: unknown[] = [];
      const outcome = await recordConversion(
        {
          exposures: {
            forProfile: async () =>
              exposureAt
                ? [
                    {
                      journey: 'onboarding',
                      executionName: 'x',
                      profileId: 'p-1',
                      arm: 'guide',
                      experiment: 'e',
                      at: exposureAt,
                    },
                  ]
                : [],
          },
          ledger: {
            credit: async (e) => {
              credited.push(e.executionName);
              return 'first';
            },
          },
          touches: { recent: async () => [] },
          attributions: { record: async (c) => void recorded.push(c.conversionId) },
          incentives: { discountFor: async () => 0 },
          config: defaultMeasurementConfig,
          now: () => NOW,
        },
        conversion,
      );
      return { outcome, recorded, credited };
    };

    it('records nothing for an order from history that nothing covers', async () => {
      const r = await run({
        profileId: 'p-1',
        conversionId: 'o-1997',
        at: '1997-01-01T00:00:00.000Z',
        revenue: 30,
      });
      expect(r).toEqual({ outcome: { credited: [], history: true }, recorded: [], credited: [] });
    });

    it('still records a live order that nothing covers (an unattributed conversion)', async () => {
      const r = await run({ profileId: 'p-1', conversionId: 'o-now', at: ago(60_000), revenue: 30 });
      expect(r.recorded).toEqual(['o-now']);
      expect(r.outcome.history).toBeUndefined();
    });

    it('still credits a late order to the exposure that covered it when it happened', async () => {
      const r = await run(
        { profileId: 'p-1', conversionId: 'o-late', at: ago(20 * DAY), revenue: 30 },
        ago(21 * DAY),
      );
      expect(r.credited).toEqual(['x']);
      expect(r.recorded).toEqual(['o-late']);
    });

    it('gives an order placed before any exposure no credit', async () => {
      const r = await run(
        { profileId: 'p-1', conversionId: 'o-1997', at: '1997-01-01T00:00:00.000Z', revenue: 30 },
        ago(DAY),
      );
      expect(r.credited).toEqual([]);
    });
  });
});
