/**
 * The marketer's audience and campaign flows in the console: build an audience and see its count,
 * save it, estimate and launch a one-message campaign and watch it finish with sent and skipped
 * counts; an invalid form names the field and starts nothing; a viewer is refused a launch.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLocalConsoleUser } from '../../infra/local/console.js';
import { approveEmail, channelsConfigWithWideEmailCaps, personIn } from '../e2e/support/journeys.js';
import { accessibilityViolations, type ConsoleHarness, startConsole } from './support.js';

let h: ConsoleHarness;
const buyers = [0, 1].map((i) => personIn({ 'campaign-message': 'message' }, `aud-buyer${i}`));
const unconsented = personIn({ 'campaign-message': 'message' }, 'aud-quiet');
const browser = 'aud-browser';

/** A person with an email; consented unless `consent: false`; with `orders` orders. */
async function person(userId: string, orders: number, consent = true) {
  const post = async (path: string, body: object) =>
    expect((await h.rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email: `${userId}@example.com`, firstName: userId.replace(/\W/g, '') },
    ...(consent ? { context: { consent: { categoryPreferences: { email: true } } } } : {}),
  });
  for (let i = 0; i < orders; i++)
    await post('/v1/track', {
      event: 'Order Completed',
      properties: { order_id: `o-${userId}-${i}`, revenue: 40 },
      timestamp: new Date(Date.now() - (30 + i) * 86_400_000).toISOString(),
    });
}

const runs = async () => (await h.rt.admin('/admin/campaigns')).body.runs as { runId: string }[];
const stat = (page: Page, label: string) =>
  page
    .locator('.stat')
    .filter({ has: page.getByText(label, { exact: true }) })
    .locator('.stat-value');

beforeAll(async () => {
  h = await startConsole({
    timeScale: 1 / 3600,
    // Opting in starts onboarding, whose welcome would take the day's one marketing email.
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  await approveEmail(
    h.rt,
    { journeyStep: 'campaign-message/send', intent: 'onboarding' },
    'New in: bestsellers',
  );
  for (const b of buyers) await person(b, 2);
  await person(unconsented, 1, false);
  await person(browser, 0);
  await h.rt.settle();
});
afterAll(async () => {
  await h?.stop();
});

describe('audiences and campaigns in the console', () => {
  it('builds an audience, shows its live count and a sample, and saves it', async () => {
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audiences' }).click();
    // The starting rule is "features.ordersCount ≥ 1": the three buyers, not the browser.
    await expect.poll(() => stat(page, 'Member count').textContent(), { timeout: 15_000 }).toBe('3');
    const sample = page.getByRole('table', { name: 'Sample of members' });
    await sample
      .getByRole('cell', { name: /ordersCount: 2/ })
      .first()
      .waitFor();
    expect(await sample.textContent()).not.toContain('@example.com');

    // Narrow it: two or more orders.
    await page.getByLabel('Value 1').fill('2');
    await expect.poll(() => stat(page, 'Member count').textContent(), { timeout: 15_000 }).toBe('2');
    // A second condition, then removed again.
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Path 2').fill('churnRisk');
    await page.getByRole('button', { name: 'Remove condition 2' }).click();

    await page.getByLabel('Audience name').fill('Repeat buyers');
    await page.getByRole('button', { name: 'Save audience' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as “Repeat buyers”' }).waitFor();
    await page
      .getByRole('table', { name: 'Saved audiences' })
      .getByRole('cell', { name: 'Repeat buyers', exact: true })
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: '/tmp/audiences.png', fullPage: true });
    await page.context().close();
  });

  it('refuses an invalid run in the form, naming the field, and starts nothing', async () => {
    const before = (await runs()).length;
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/campaigns`);
    await page.getByLabel('Journey').fill('nope');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByRole('alert').filter({ hasText: "'nope' is not a deployed campaign journey" }).waitFor();
    await page.getByLabel('Journey').fill('loyalty-referral');
    await page.getByLabel('People per second').fill('0');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be more than 0' }).waitFor();
    expect(await page.locator('#run-rate-error').textContent()).toBe('must be more than 0');
    expect((await runs()).length).toBe(before);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('estimates a one-message run, launches it and follows it until it ends with sent and skipped counts', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/campaigns`);
    await page.getByLabel('Run', { exact: true }).selectOption('message');
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Content intent').fill('bestsellers');
    // The saved audience has two buyers; "everyone with an order" has the unconsented one too.
    await page.getByLabel('Audience').selectOption({ label: 'a rule (JSON)' });
    await page
      .getByLabel('Rule')
      .fill('{"all":[{"source":"features","path":"ordersCount","op":"gte","value":1}]}');
    await page.getByLabel('People per second').fill('1000');
    await page.getByRole('button', { name: 'Estimate' }).click();
    await expect.poll(() => stat(page, 'Audience size').textContent(), { timeout: 15_000 }).toBe('3');
    const skips = page.getByRole('table', { name: 'Expected skips by reason' });
    await skips.getByRole('row', { name: /no_consent 1/ }).waitFor();
    expect(await stat(page, 'Would send now').textContent()).toBe('2');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/campaigns\/bestsellers-/);
    await page.getByRole('heading', { name: /^Run bestsellers-/ }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Status: done' }).waitFor({ timeout: 60_000 });
    expect(await stat(page, 'Requested').textContent()).toBe('3');
    expect(await stat(page, 'Sent').textContent()).toBe('2');
    expect(await stat(page, 'Skipped').textContent()).toBe('1');
    await page
      .getByRole('table', { name: 'Skipped by reason' })
      .getByRole('row', { name: /no_consent 1/ })
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('launches a journey for a saved audience', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/campaigns?audienceId=repeat-buyers`);
    await page.getByLabel('Journey').fill('loyalty-referral');
    await page.getByLabel('People per second').fill('1000');
    await page.getByLabel('Run id').fill('loyalty-console');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByRole('heading', { name: 'Run loyalty-console' }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: /Status: (delivering|done)/ })
      .waitFor({ timeout: 60_000 });
    expect(await stat(page, 'Requested').textContent()).toBe('2');
    await page.context().close();
  });

  it('refuses a viewer’s launch and starts nothing', async () => {
    const before = (await runs()).length;
    const token = addLocalConsoleUser(h.rt.dataDir, 'vera', ['viewer']);
    const page = await h.signedIn(token);
    await page.getByText('vera').first().waitFor();
    await page.goto(`${h.rt.url}/campaigns`);
    await page.getByLabel('Journey').fill('loyalty-referral');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByRole('alert').filter({ hasText: 'your role may not launch campaigns' }).waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('(forbidden)');
    expect((await runs()).length).toBe(before);
    // Reading is allowed: the viewer sees the runs.
    await page.getByRole('table', { name: 'Campaign runs' }).waitFor();
    await page.context().close();
  });
});
