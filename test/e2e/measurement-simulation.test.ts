/**
 * Measurement end to end, on a deployment whose only journey is an A/B test with a holdout: 2,000
 * generated people opt in, a campaign run puts each through the split, and each person then orders
 * with a probability that depends only on the email they actually received — 20 % after variant
 * `uplift`, 10 % after variant `flat` or after nothing (holdout, global control). The true uplift of
 * `uplift` over the holdout is therefore 10 points and that of `flat` is 0. The report, read
 * through the admin API, must cover the true uplift with its interval and must not call `flat` a
 * winner. The draws are seeded, so the run is reproducible.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../infra/cli/commands/run.js';
import { synthesize } from '../../infra/local/synth.js';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { createRng } from '../../shared/domain/random.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { type ApprovedEmail, approveEmail, eventually } from './support/journeys.js';

const PEOPLE = 2_000;
const BASE_RATE = 0.1;
const UPLIFT = 0.1;
const GLOBAL_CONTROL = 0.05;

const SIM_JOURNEY = {
  id: 'sim-offer',
  name: 'Simulated offer test',
  description: 'Two variants and a holdout, for the measurement simulation.',
  trigger: { kind: 'campaign', campaign: 'sim-offer' },
  priority: 40,
  start: 'split',
  steps: [
    {
      id: 'split',
      type: 'split',
      holdoutShare: 0.2,
      variants: [
        { id: 'uplift', weight: 1, next: 'sendUplift' },
        { id: 'flat', weight: 1, next: 'sendFlat' },
      ],
    },
    { id: 'sendUplift', type: 'send', channel: 'email', content: { intent: 'bestsellers' }, next: 'done' },
    { id: 'sendFlat', type: 'send', channel: 'email', content: { intent: 'getting-started' }, next: 'done' },
    { id: 'done', type: 'exit', reason: 'completed' },
  ],
  exitOn: [],
};

let rt: TestRuntime;
let upliftMail: ApprovedEmail;
let flatMail: ApprovedEmail;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

async function batch(messages: object[]) {
  for (let i = 0; i < messages.length; i += 100) {
    const res = await rt.post('/v1/batch', { batch: messages.slice(i, i + 100) });
    expect(res.status).toBe(200);
  }
}

beforeAll(async () => {
  // This deployment's configuration: the simulation journey only.
  const dir = mkdtempSync(join(tmpdir(), 'feltfit-sim-'));
  const configPath = join(dir, 'feltfit.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      journeys: { journeys: [SIM_JOURNEY], experiments: { globalControl: { share: GLOBAL_CONTROL } } },
    }),
  );
  const outdir = join(repoRoot, '.feltfit', `sim-assembly-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  const assembly = synthesize(outdir, configPath);
  rt = await startTestRuntime({ assemblyDir: assembly.dir });
  upliftMail = await approveEmail(
    rt,
    { journeyStep: 'sim-offer/sendUplift', intent: 'onboarding' },
    'UPLIFT',
  );
  flatMail = await approveEmail(rt, { journeyStep: 'sim-offer/sendFlat', intent: 'onboarding' }, 'FLAT');
}, 600_000);
afterAll(async () => {
  await rt?.stop();
});

describe('measurement simulation through the local runtime', () => {
  it('covers a known uplift with the interval and does not call the no-effect variant a winner', async () => {
    const started = Date.now();
    const users = Array.from({ length: PEOPLE }, (_, i) => `sim-${i}`);
    await batch(
      users.map((userId) => ({
        type: 'identify',
        userId,
        traits: { email: `${userId}@example.com` },
        context: { consent: { categoryPreferences: { email: true } } },
      })),
    );
    // 2,000 profiles through the projector (about a minute locally).
    await rt.settle(300_000);
    console.info(
      `simulation: ${PEOPLE} profiles projected after ${Math.round((Date.now() - started) / 1000)} s`,
    );

    // 50 people a second: the local runtime has one worker per function and no delivery concurrency
    // limit, so a faster run floods it (AWS would throttle instead).
    const out: string[] = [];
    const code = await run(
      ['--journey', 'sim-offer', '--rate', '50', '--page-size', '50', '--wait', '--json'],
      {
        out: (t) => out.push(t),
        err: (t) => out.push(t),
        env: { FELTFIT_DATA_DIR: rt.dataDir },
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))),
      },
    );
    expect({ code, out: out.join('') }).toEqual({ code: 0, out: expect.stringContaining('SUCCEEDED') });
    await rt.settle(300_000);
    // Every started execution has ended (control members are recorded, not started).
    await eventually(
      'all simulation executions ended',
      () => {
        const all = [...rt.stepFunctions.executions.values()].filter((e) =>
          e.stateMachineArn.endsWith(':feltfit-sim-offer'),
        );
        return all.length > PEOPLE * 0.9 && all.every((e) => e.status !== 'RUNNING') ? all : undefined;
      },
      300,
    );

    console.info(`simulation: campaign done after ${Math.round((Date.now() - started) / 1000)} s`);
    // What each person received decides how likely they are to order.
    const rng = createRng(20261128);
    const orders: object[] = [];
    const received = { uplift: 0, flat: 0, none: 0 };
    // The whole outbox once: recipient → subjects.
    const subjects = new Map<string, string[]>();
    for (const m of await listOutbox(`${rt.dataDir}/outbox`, { limit: 100_000 })) {
      subjects.set(m.to, [...(subjects.get(m.to) ?? []), m.subject ?? '']);
    }
    for (const userId of users) {
      const mail = subjects.get(`${userId}@example.com`) ?? [];
      const got = mail.includes(upliftMail.subject)
        ? 'uplift'
        : mail.includes(flatMail.subject)
          ? 'flat'
          : 'none';
      received[got]++;
      const p = got === 'uplift' ? BASE_RATE + UPLIFT : BASE_RATE;
      if (rng.next() < p) {
        orders.push({
          type: 'track',
          userId,
          event: 'Order Completed',
          properties: { order_id: `sim-o-${userId}`, revenue: 40 },
        });
      }
    }
    expect(received.uplift).toBeGreaterThan(600);
    expect(received.flat).toBeGreaterThan(600);
    await batch(orders);
    await rt.settle(300_000);

    const report = await eventually(
      'every order credited',
      async () => {
        const res = await rt.admin('/admin/report');
        expect(res.status).toBe(200);
        const sim = res.body.journeys.find((j: any) => j.journey === 'sim-offer');
        const credited = sim?.arms.reduce((n: number, a: any) => n + a.conversions, 0) ?? 0;
        return credited === orders.length ? res.body : undefined;
      },
      120,
    );
    const sim = report.journeys.find((j: any) => j.journey === 'sim-offer');
    const arm = (id: string) => sim.arms.find((a: any) => a.arm === id);
    expect(sim.arms.map((a: any) => a.arm).sort()).toEqual(['control', 'flat', 'holdout', 'uplift']);
    expect(
      arm('uplift').exposures + arm('flat').exposures + arm('holdout').exposures + arm('control').exposures,
    ).toBe(PEOPLE);
    expect(sim.srm.mismatch).toBe(false);

    const uplift = arm('uplift').vsHoldout;
    const flat = arm('flat').vsHoldout;
    // The 95 % interval covers the true uplift; the always-valid one does too (it is wider).
    expect(uplift.absoluteLift.lower).toBeLessThanOrEqual(UPLIFT);
    expect(uplift.absoluteLift.upper).toBeGreaterThanOrEqual(UPLIFT);
    expect(uplift.sequential.interval.lower).toBeLessThanOrEqual(UPLIFT);
    expect(uplift.sequential.interval.upper).toBeGreaterThanOrEqual(UPLIFT);
    // Detected by the fixed-horizon interval; the always-valid guard may still say keep running at
    // this sample (it is wider by design), but never stop.
    expect(uplift.absoluteLift.lower).toBeGreaterThan(0);
    expect(uplift.probabilityToBeat).toBeGreaterThan(0.99);
    expect(['go', 'keep_running']).toContain(uplift.recommendation.decision);
    // No effect: not a winner.
    expect(flat.absoluteLift.lower).toBeLessThanOrEqual(0);
    expect(flat.recommendation.decision).not.toBe('go');
    expect(flat.probabilityToBeat).toBeLessThan(0.95);
    // Revenue per recipient follows (40 per order).
    expect(arm('uplift').revenuePerRecipient).toBeCloseTo(
      (40 * arm('uplift').conversions) / arm('uplift').exposures,
      6,
    );
    // Last touch: the orders of people who got an email are attributed to its step.
    const attributed = report.attribution.filter((a: any) => a.journey === 'sim-offer');
    expect(attributed.map((a: any) => a.step).sort()).toEqual(['sendFlat', 'sendUplift']);
    expect(report.attribution.find((a: any) => a.journey === 'none')?.conversions ?? 0).toBeGreaterThan(0);
  }, 900_000);
});
