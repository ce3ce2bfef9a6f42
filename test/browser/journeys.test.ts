import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as demo } from '../../infra/cli/commands/demo.js';
import { accessibilityViolations, type ConsoleHarness, startConsole } from './support.js';

// Journey time at 1/3600 of real time: an hour's wait takes a second, onboarding's two days 48 s.
let h: ConsoleHarness;

/** A consented shopper who starts checkout: cart recovery's trigger. */
async function checkout(userId: string, cartId: string) {
  const post = async (path: string, body: object) =>
    expect((await h.rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email: `${userId}@example.com`, firstName: 'Noor' },
    context: { consent: { categoryPreferences: { email: true } } },
  });
  await post('/v1/track', { event: 'Checkout Started', properties: { cart_id: cartId, value: 120 } });
  await h.rt.settle();
}

const journeyOf = async (id: string) => (await h.rt.admin(`/admin/journeys/${id}`)).body.journey;

beforeAll(async () => {
  h = await startConsole({ timeScale: 1 / 3600 });
  const code = await demo(['--people', '30', '--days', '20', '--seed', 'journeys', '--url', h.rt.url], {
    out: () => {},
    err: () => {},
    env: {
      FELTFIT_DATA_DIR: h.rt.dataDir,
      FELTFIT_WRITE_KEY: h.rt.writeKey,
      FELTFIT_ADMIN_TOKEN: h.rt.adminToken,
    },
    errIsTty: false,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  expect(code).toBe(0);
  await h.rt.settle(120_000);
  // The first steps send (or skip) within seconds of journey time.
  await new Promise((r) => setTimeout(r, 3_000));
}, 240_000);
afterAll(async () => {
  await h?.stop();
});

describe('the Journeys page', () => {
  it('lists every journey with entered, active, converted and exited counts', async () => {
    const { body } = await h.rt.admin('/admin/journeys');
    const entered = body.journeys.filter((j: any) => j.counts.entered > 0);
    expect(entered.length).toBeGreaterThan(0);
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Journeys' }).click();
    const table = page.getByRole('table', { name: 'Journeys with their counts' });
    await table.waitFor();
    for (const label of ['Entered', 'Active', 'Converted', 'Exited'])
      await table.getByRole('columnheader', { name: label }).waitFor();
    const first = entered[0];
    const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: first.name }) });
    await expect(row.getByRole('cell').nth(2).textContent()).resolves.toBe(
      first.counts.entered.toLocaleString('en'),
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('draws a journey’s graph from its state machine, with the executions that entered each step', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/journeys/onboarding`);
    const graph = page.getByRole('group', { name: /^Journey graph/ });
    await graph.waitFor();
    // The start state: every sampled execution entered it.
    const start = graph.getByRole('button', { name: /^welcome\.CheckExit, Task state: entered by [1-9]/ });
    await start.waitFor();
    // Keyboard: the nodes are in the tab order and Enter opens the state's detail.
    await start.focus();
    expect(await start.evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'welcome.CheckExit' }).waitFor();
    await graph.getByRole('button', { name: /^ExitedOnCondition, Succeed state/ }).waitFor();
    const scripts = await page.evaluate(
      () => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js')).length,
    );
    expect(scripts).toBeGreaterThan(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('pauses a journey — which then starts no new execution — and resumes it', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/journeys/cart-recovery`);
    await page.getByRole('button', { name: 'Pause journey' }).click();
    await page.getByRole('button', { name: 'Resume journey' }).waitFor();
    await page.getByText('paused by local-admin').waitFor();
    const paused = await journeyOf('cart-recovery');
    expect(paused.pause).toMatchObject({ paused: true, by: 'local-admin' });

    // start-journey trusts a flag it read for up to 5 s.
    await new Promise((r) => setTimeout(r, 5_500));
    const before = h.rt.stepFunctions.executions.size;
    await checkout('u-paused', 'cart-paused');
    const whilePaused = [...h.rt.stepFunctions.executions.values()].filter((e) =>
      e.input.includes('cart-paused'),
    );
    expect(whilePaused).toEqual([]);
    expect((await journeyOf('cart-recovery')).counts.entered).toBe(paused.counts.entered);
    expect(h.rt.stepFunctions.executions.size).toBeGreaterThanOrEqual(before);

    await page.getByRole('button', { name: 'Resume journey' }).click();
    await page.getByRole('button', { name: 'Pause journey' }).waitFor();
    await new Promise((r) => setTimeout(r, 5_500));
    await checkout('u-resumed', 'cart-resumed');
    const resumed = await journeyOf('cart-recovery');
    expect(resumed.pause.paused).toBe(false);
    expect(resumed.counts.entered).toBe(paused.counts.entered + 1);
    await page.context().close();
  }, 60_000);

  it('shows a person’s executions of a journey with the state each is in', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/journeys/cart-recovery`);
    await page.getByLabel('Identifier type').selectOption('userId');
    await page.getByLabel('Identifier', { exact: true }).fill('u-resumed');
    await page.getByRole('button', { name: 'Show executions' }).click();
    const table = page.getByRole('table', { name: /^Executions of profile/ });
    await table.waitFor();
    await expect(table.getByRole('row').count()).resolves.toBe(2);
    await table.getByRole('cell', { name: /^(RUNNING|SUCCEEDED)$/ }).waitFor();
    await page.context().close();
  });
});

describe('the Messages page', () => {
  it('lists sends and skips, and a skip’s reason when filtered by status', async () => {
    const { body } = await h.rt.admin('/admin/messages?limit=200');
    const statuses = new Set(body.messages.map((m: any) => m.status));
    expect(statuses).toContain('sent');
    expect(statuses).toContain('skipped');
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    const table = page.getByRole('table', { name: 'Delivery log, newest first' });
    await table.waitFor();
    await page.getByLabel('Status').selectOption('skipped');
    await page.waitForURL(/status=skipped/);
    // The filtered page replaces the first one when its answer arrives: wait until it shows.
    const firstRows = async () => {
      const rows = (await table.getByRole('row').all()).slice(1, 6);
      return Promise.all(
        rows.map(async (row) => ({
          status: await row.getByRole('cell').nth(2).textContent(),
          reason: await row.getByRole('cell').nth(3).textContent(),
        })),
      );
    };
    await expect
      .poll(async () => (await firstRows()).every((r) => r.status === 'skipped'), { timeout: 20_000 })
      .toBe(true);
    const shown = await firstRows();
    expect(shown.length).toBeGreaterThan(0);
    for (const r of shown) expect(r.reason).toMatch(/^[a-z_]+$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('renders the local outbox: an email’s HTML in a sandboxed iframe', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/messages`);
    await page.getByRole('link', { name: 'Local outbox' }).click();
    const frame = page.locator('iframe[title^="Email: "]').first();
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    const inside = page.frameLocator('iframe[title^="Email: "]').first();
    await inside.getByRole('link', { name: 'Unsubscribe' }).last().waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });
});
