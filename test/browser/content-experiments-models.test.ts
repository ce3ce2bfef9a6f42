/**
 * The marketer console's Content, Experiments and Models pages in Chromium against the local runtime:
 * a reviewer approves a generated variant with its checks beside the brand rules and finds their name
 * and comment in the audit trail; a marketer is refused an approval; a preview renders for a person;
 * an experiment's chart opens with counts beside every rate; "Train now" produces a model version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLocalConsoleUser } from '../../infra/local/console.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { countExposure, DynamoDbMeasurementStore } from '../../shared/adapters/dynamodb/measurement-store.js';
import type { Exposure } from '../../shared/domain/measurement/conversions.js';
import { accessibilityViolations, type ConsoleHarness, startConsole } from './support.js';

const DAY = 86_400_000;
const CUSTOMERS = 26;

let h: ConsoleHarness;
let variants: string[] = [];

async function adminPost(path: string, body: unknown) {
  const res = await fetch(`${h.rt.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * Customers who buy two or three times before the CLV calibration end (90 days ago) and some again
 * in the holdout: more repeat customers than `clv.minRepeatCustomers` (20), so training has data.
 */
function purchaseHistory(): object[] {
  const now = Date.now();
  const messages: object[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const userId = `cem-${i}`;
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
  messages.push({
    type: 'identify',
    userId: 'u-pia',
    traits: { email: 'pia@example.com', firstName: 'Pia' },
  });
  return messages;
}

/**
 * Cart recovery's exposures and conversions over three days, written through the measurement store
 * the journeys and the conversion recorder use (the same counters the report reads).
 */
async function seedExperiment(): Promise<void> {
  const client = documentClient({
    endpoint: h.rt.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = h.rt.tables.JOURNEYS_TABLE!;
  const store = new DynamoDbMeasurementStore({ client, tableName, retentionDays: 30 });
  const arms = { empathy: [120, 18], reminder: [120, 10], holdout: [30, 2] } as const;
  const start = Date.now() - 3 * DAY;
  const jobs: (() => Promise<unknown>)[] = [];
  for (const [arm, [exposures, conversions]] of Object.entries(arms)) {
    for (let i = 0; i < exposures; i++) {
      const at = new Date(start + (i % 3) * DAY + i * 1000).toISOString();
      const e: Exposure = {
        journey: 'cart-recovery',
        executionName: `cem-${arm}-${i}`,
        profileId: `p-${arm}-${i}`,
        arm,
        experiment: 'split',
        at,
        cohort: { country: i % 2 ? 'DE' : 'US' },
      };
      jobs.push(async () => {
        await countExposure(client, tableName, e);
        if (i < conversions) {
          await store.credit(
            e,
            { profileId: e.profileId, conversionId: `o-${arm}-${i}`, at, revenue: 40 },
            { revenue: 40, margin: 12 },
          );
        }
      });
    }
  }
  for (let i = 0; i < jobs.length; i += 25) await Promise.all(jobs.slice(i, i + 25).map((j) => j()));
}

beforeAll(async () => {
  h = await startConsole();
  const messages = purchaseHistory();
  for (let i = 0; i < messages.length; i += 100) {
    expect((await h.rt.post('/v1/batch', { batch: messages.slice(i, i + 100) })).status).toBe(200);
  }
  const generated = await adminPost('/admin/content/generate', {
    journeyStep: 'cart-recovery/lastCall',
    intent: 'shipping_reassurance',
    channel: 'email',
    audience: { segment: 'new_customers' },
    product: { name: 'Merino Starter Kit', facts: ['Two skeins of DK merino.'] },
    n: 2,
  });
  expect(generated.status).toBe(201);
  variants = generated.body.variants.map((v: { id: string }) => v.id);
  await seedExperiment();
  await h.rt.settle(100_000);
}, 200_000);
afterAll(async () => {
  await h?.stop();
});

describe('content review in the console', () => {
  it('lets a reviewer approve a generated variant with its checks beside the brand rules, and records them', async () => {
    const page = await h.signedIn(addLocalConsoleUser(h.rt.dataDir, 'rita', ['reviewer']));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content' }).click();
    const queue = page.getByRole('table', { name: 'Content variants: Waiting for review' });
    await queue.waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.locator(`a[href="/content/${variants[0]}"]`).click();
    await page.getByRole('heading', { name: 'Review a variant' }).waitFor();
    const rules = page.getByRole('table', { name: 'Brand rules and what the checks found' });
    await rules.getByRole('cell', { name: 'Banned words and phrases' }).waitFor();
    const required = rules.getByRole('row', { name: /Required elements/ });
    await expect(required.textContent()).resolves.toContain('{{ unsubscribe_url }}');
    await expect(required.textContent()).resolves.toContain('passed');

    await page.getByLabel('Comment').fill('Warm and on brand');
    await page.getByRole('button', { name: 'Approve' }).click();
    const audit = page.getByRole('table', { name: 'Audit trail' });
    await audit.getByRole('cell', { name: 'rita', exact: true }).waitFor();
    await audit.getByRole('cell', { name: 'Warm and on brand' }).waitFor();
    await expect(audit.textContent()).resolves.toContain('pending_review → approved');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('refuses a marketer’s approval', async () => {
    const page = await h.signedIn(addLocalConsoleUser(h.rt.dataDir, 'mark', ['marketer']));
    await page.goto(`${h.rt.url}/content/${variants[1]}`);
    await page.getByText('Your role may read this variant but not approve or reject it.').waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // The console only hides the button: the API itself refuses the approval.
    const res = await page.evaluate(async (id) => {
      const r = await fetch(`/api/admin/content/${id}/review`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve', comment: 'ship it', reviewer: 'mark' }),
      });
      return { status: r.status, body: await r.json() };
    }, variants[1]!);
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const still = await h.rt.admin(`/admin/content/${variants[1]}`);
    expect(still.body.variant.status).toBe('pending_review');
    await page.context().close();
  });

  it('renders a preview for a person, the email in a sandboxed frame', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/content/${variants[1]}`);
    await page.getByLabel('Preview for', { exact: true }).selectOption('email');
    await page.getByLabel("Person's identifier").fill('pia@example.com');
    await page.getByRole('button', { name: 'Render preview' }).click();
    const frame = page.locator('iframe[title^="Email preview:"]');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    const body = page.frameLocator('iframe[title^="Email preview:"]').locator('body');
    await expect(body.textContent()).resolves.toContain('Pia');
    await body.getByRole('link', { name: 'Unsubscribe' }).first().waitFor();
    await expect(page.getByRole('region', { name: 'Rendered preview' }).textContent()).resolves.toContain(
      'marketing email message',
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });
});

describe('experiments in the console', () => {
  it('opens an experiment’s chart with the counts beside every rate', async () => {
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('table', { name: 'Experiments by journey' }).waitFor();
    await page.getByRole('link', { name: 'Cart recovery with empathy' }).click();
    await page.getByRole('heading', { name: 'Experiment: Cart recovery with empathy' }).waitFor();
    const chart = page.getByRole('img', { name: /^Lift against the holdout/ });
    await chart.waitFor();
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(
      /empathy: lift .* pts, interval .* always-valid/,
    );
    const arms = page.getByRole('table', { name: 'Arms with their counts and conversion rates' });
    const empathy = arms.getByRole('row', { name: /^empathy/ });
    await empathy.getByRole('cell', { name: '120', exact: true }).waitFor();
    await empathy.getByRole('cell', { name: '18', exact: true }).waitFor();
    await empathy.getByRole('cell', { name: '15.00 %', exact: true }).waitFor();
    const lift = page.getByRole('table', { name: /Lift of each variant/ });
    await expect(lift.getByRole('row', { name: /^empathy/ }).textContent()).resolves.toContain('(18 of 120)');
    await expect(lift.getByRole('row', { name: /^empathy/ }).textContent()).resolves.toContain('(2 of 30)');
    await expect(lift.textContent()).resolves.toMatch(/Keep running|Go|Stop/);
    await page.getByText('Split as configured').or(page.getByText('Sample ratio mismatch')).first().waitFor();
    await page.getByText('χ²').waitFor();
    // The conversion-over-time chart: uPlot, loaded with this page.
    await page.locator('.uplot canvas').first().waitFor();
    await page
      .getByRole('table', { name: 'Outcomes by cohort' })
      .getByRole('cell', { name: 'DE' })
      .first()
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });
});

describe('models in the console', () => {
  it('lists the models, and Train now produces a version shown on its model card', async () => {
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    const inventory = page.getByRole('table', { name: 'Model inventory' });
    await inventory.getByRole('link', { name: 'clv' }).waitFor();
    await inventory.getByRole('link', { name: 'propensity' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Model to train').selectOption('clv');
    await page.getByRole('button', { name: 'Train now' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Training of clv requested' });
    await status.waitFor();
    await status
      .filter({ hasText: /New version: clv \d{8}T\d{6}Z-[0-9a-f]{4}/ })
      .waitFor({ timeout: 110_000 });
    await inventory.getByRole('row', { name: /^clv/ }).filter({ hasNotText: 'not trained yet' }).waitFor();

    await inventory.getByRole('link', { name: 'clv' }).click();
    await page.getByRole('heading', { name: 'Model card: clv' }).waitFor();
    await page
      .getByRole('table', { name: 'Metrics of this version' })
      .getByRole('cell', { name: 'repeatCustomers' })
      .waitFor();
    await page.getByRole('table', { name: 'Predicted against observed' }).waitFor();
    await page.getByRole('table', { name: 'Version history' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  }, 150_000);
});
