import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../infra/cli/commands/import.js';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { executionsOf, profileOf, scanTable } from './support/journeys.js';

// The CDNOW sample's first 40 customers (108 orders of 1997–98) and one order placed an hour ago,
// imported as a CSV of orders through `feltfit import`, then imported again.
const CUSTOMERS = 40;
const RECENT = 'recent-buyer';
const rows = readFileSync('test/fixtures/cdnow/cdnow_sample_transactions.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
  .filter(([id]) => Number(id) <= CUSTOMERS) as [string, string, string][];
const expected = new Map<string, { orders: number; revenue: number }>();
for (const [id, , amount] of rows) {
  const e = expected.get(id) ?? { orders: 0, revenue: 0 };
  expected.set(id, { orders: e.orders + 1, revenue: e.revenue + Number(amount) });
}
const round = (n: number) => Math.round(n * 100) / 100;

let rt: TestRuntime;
let file: string;
const runs: { code: number; out: string; err: string }[] = [];

async function importFile(): Promise<void> {
  const r = { code: 0, out: '', err: '' };
  const io: Io = {
    out: (t) => {
      r.out += t;
    },
    err: (t) => {
      r.err += t;
    },
    env: { FELTFIT_DATA_DIR: rt.dataDir, FELTFIT_WRITE_KEY: rt.writeKey },
    errIsTty: false,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    fetch: (...args) => fetch(...args),
  };
  r.code = await run([file, '--batch', '50', '--url', rt.url], io);
  runs.push(r);
  // DynamoDB Local projects a hundred-odd orders in well under a minute; more than the 30 s default.
  await rt.settle(120_000);
}

const allExecutions = () => [...rt.stepFunctions.executions.values()];
const profileBody = async (userId: string) =>
  (await rt.admin(`/admin/profiles?type=userId&value=${encodeURIComponent(userId)}`)).body;
const conversionsAndCredits = () =>
  scanTable(rt, 'JOURNEYS_TABLE', (i) => /^(CONVERSION#|CREDIT#|ATTRIB$)/.test(String(i.pk)));

beforeAll(async () => {
  rt = await startTestRuntime();
  file = join(rt.dataDir, 'orders.csv');
  const recentAt = new Date(Date.now() - 3_600_000).toISOString();
  writeFileSync(
    file,
    ['customer_id,date,amount', ...rows.map((r) => r.join(',')), `${RECENT},${recentAt},42.00`, ''].join(
      '\n',
    ),
  );
  await importFile();
});
afterAll(async () => {
  await rt?.stop();
});

describe('feltfit import of an order history against the local runtime', () => {
  it('imports every order and prints the summary', () => {
    const [first] = runs;
    expect({ code: first!.code, err: first!.err.includes('feltfit import:') ? first!.err : '' }).toEqual({
      code: 0,
      err: '',
    });
    expect(first!.out).toContain(`lines read   ${rows.length + 2}`);
    expect(first!.out).toContain(`accepted     ${rows.length + 1}`);
    expect(first!.out).toContain('rejected     0');
    expect(first!.out).toContain(`people       ${CUSTOMERS + 1}`);
    expect(first!.out).toMatch(/time span {4}1997-01-0\dT00:00:00\.000Z – \d{4}-/);
    expect(first!.err).toMatch(/import: 100% {2}/);
  });

  it('builds every customer’s profile with the right order count and revenue', async () => {
    for (const [id, e] of expected) {
      const body = await profileBody(id);
      expect({ id, orders: body.profile.features.purchases.orderCount }).toEqual({ id, orders: e.orders });
      expect(body.profile.features.purchases.totalRevenue).toBeCloseTo(round(e.revenue), 2);
      expect(body.profile.features.purchases.firstPurchaseDay).toMatch(/^199[78]-/);
    }
  });

  it('starts no journey for the past orders, and replenishment for the order of an hour ago', () => {
    expect(executionsOf(rt, 'replenishment', profileOf(RECENT))).toHaveLength(1);
    expect(allExecutions().map((e) => JSON.parse(e.input).profileId)).toEqual([profileOf(RECENT)]);
  });

  it('sends nothing and records no conversion for the past orders', async () => {
    expect(await listOutbox(`${rt.dataDir}/outbox`, { limit: 100 })).toEqual([]);
    const recorded = await conversionsAndCredits();
    // Only the live order is a conversion (unattributed: nothing was sent); no exposure got credit.
    expect(recorded.filter((i) => String(i.pk).startsWith('CREDIT#'))).toEqual([]);
    expect(recorded.filter((i) => String(i.pk).startsWith('CONVERSION#')).map((i) => i.pk)).toEqual([
      `CONVERSION#${profileOf(RECENT)}`,
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await Promise.all([...expected.keys()].slice(0, 5).map(profileBody));
    const conversionsBefore = await conversionsAndCredits();
    await importFile();
    const again = runs[1]!;
    expect(again.code).toBe(0);
    expect(again.out).toContain(`accepted     ${rows.length + 1}`);
    expect(await Promise.all([...expected.keys()].slice(0, 5).map(profileBody))).toEqual(before);
    expect(allExecutions()).toHaveLength(1);
    expect(await conversionsAndCredits()).toEqual(conversionsBefore);
    const events = (await rt.admin(`/admin/events?userId=1&limit=100`)).body.events as unknown[];
    expect(events).toHaveLength(expected.get('1')!.orders);
  });
});
