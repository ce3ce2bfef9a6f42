/**
 * "Train now" through the local runtime: customers with a purchase history arrive through the
 * batch API, `feltfit models train --model clv --wait` puts a ModelTrainingRequested event on the
 * local bus, the template's rule delivers it to the trainer, and `feltfit models list` then shows
 * the version it registered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../infra/cli/commands/models.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const DAY = 86_400_000;
const CUSTOMERS = 40;

let rt: TestRuntime;

/** `npx feltfit models …` against this runtime (its runtime.json), capturing what it prints. */
async function feltfit(...args: string[]) {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: { FELTFIT_DATA_DIR: rt.dataDir },
  });
  return { code, out, err };
}

/**
 * Each customer buys two to four times before the CLV calibration end (90 days ago) and some again in
 * the holdout, so the trainer has more repeat customers than `clv.minRepeatCustomers` (20).
 */
function history(): object[] {
  const now = Date.now();
  const messages: object[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const userId = `train-${i}`;
    messages.push({
      type: 'identify',
      userId,
      traits: { email: `${userId}@example.com` },
      timestamp: new Date(now - 260 * DAY).toISOString(),
    });
    const days = [
      250 - (i % 7) * 5,
      200 - (i % 5) * 7,
      ...(i % 3 ? [140 - i] : []),
      ...(i % 2 ? [30 + i] : []),
    ];
    for (const [k, daysAgo] of days.entries()) {
      messages.push({
        type: 'track',
        userId,
        event: 'Order Completed',
        properties: { order_id: `${userId}-o${k}`, revenue: 20 + ((i * 7 + k * 13) % 60) },
        timestamp: new Date(now - daysAgo * DAY).toISOString(),
      });
    }
  }
  return messages;
}

beforeAll(async () => {
  rt = await startTestRuntime();
  const messages = history();
  for (let i = 0; i < messages.length; i += 100) {
    const res = await rt.post('/v1/batch', { batch: messages.slice(i, i + 100) });
    expect(res.status).toBe(200);
  }
  // ~150 messages through the projector (and a debounced scoring per profile): more than the default 30 s.
  await rt.settle(110_000);
});
afterAll(async () => {
  await rt?.stop();
});

describe('feltfit models train through the local runtime', () => {
  it('trains the requested model now and the new version is listed', async () => {
    expect((await feltfit('list', 'clv', '--json')).out).toBe(`${JSON.stringify({ versions: [] })}\n`);

    const started = Date.now();
    const train = await feltfit('train', '--model', 'clv', '--wait', '--timeout', '110');
    const seconds = (Date.now() - started) / 1000;
    expect(train.err).toBe('');
    expect(train.code).toBe(0);
    expect(train.out).toMatch(/^clv\s+\d{8}T\d{6}Z-[0-9a-f]{4}\s+(promoted|candidate)/m);
    console.log(`models train --wait: ${seconds.toFixed(1)} s`);

    // The request went over the bus, to the trainer, for CLV only.
    const requests = rt.bus.history.filter((e) => e['detail-type'] === 'ModelTrainingRequested');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      source: 'feltfit.admin',
      detail: { model: 'clv', requestedBy: 'cli' },
    });

    const list = JSON.parse((await feltfit('list', '--json')).out) as {
      versions: { model: string; version: string; metrics: Record<string, number> }[];
    };
    expect(list.versions.map((v) => v.model)).toEqual(['clv']);
    expect(list.versions[0]!.metrics.repeatCustomers).toBeGreaterThanOrEqual(20);
    expect(train.out).toContain(list.versions[0]!.version);
  });
});
