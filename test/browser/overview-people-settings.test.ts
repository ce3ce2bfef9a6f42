/**
 * The Overview, a person's activity and Settings in Chromium, on a runtime whose journeys move an
 * hour a millisecond-ish (timeScale 1/3600): a fresh install names every journey step without
 * approved content; after the demo store, a marketer finds a demo person by email and sees their
 * timeline and a skipped message with its reason, and the overview counts events, sends and skips;
 * an admin creates a source (the key shown once) and revokes it; a viewer is refused (403).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../infra/cli/commands/demo.js';
import { addLocalConsoleUser } from '../../infra/local/console.js';
import type { PersonActivity } from '../../shared/api/people.js';
import { accessibilityViolations, type ConsoleHarness, startConsole } from './support.js';

const PEOPLE = 40;
let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole({ timeScale: 1 / 3600 });
});
afterAll(async () => {
  await h?.stop();
});

async function runDemo(): Promise<void> {
  let err = '';
  const code = await run(
    ['--people', String(PEOPLE), '--days', '30', '--seed', 'console', '--url', h.rt.url],
    {
      out: () => undefined,
      err: (t) => {
        err += t;
      },
      env: {
        FELTFIT_DATA_DIR: h.rt.dataDir,
        FELTFIT_WRITE_KEY: h.rt.writeKey,
        FELTFIT_ADMIN_TOKEN: h.rt.adminToken,
      },
      errIsTty: false,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
  );
  expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
  await h.rt.settle(120_000);
}

/** A demo person (by email) with a skipped message, found through the admin API. */
async function personWithSkip(): Promise<{ email: string; reason: string }> {
  for (let i = 0; i < PEOPLE; i++) {
    const email = `person-${i}@demo.feltfit.test`;
    const found = await h.rt.admin(`/admin/profiles?type=email&value=${encodeURIComponent(email)}`);
    if (found.status !== 200) continue;
    const activity = await h.rt.admin(
      `/admin/profiles/${encodeURIComponent(found.body.profile.profileId)}/activity`,
    );
    const skipped = (activity.body as PersonActivity).messages.find(
      (m) => m.status === 'skipped' && m.reason,
    );
    if (skipped) return { email, reason: skipped.reason! };
  }
  throw new Error('no demo person has a skipped message');
}

describe('Overview, People and Settings', () => {
  it('names the journey steps without approved content on a fresh install', async () => {
    const page = await h.signedIn();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const alerts = page.getByRole('region', { name: 'Alerts' });
    await alerts.getByText('no approved', { exact: false }).first().waitFor();
    await alerts.getByRole('link', { name: 'Fix in Content' }).first().waitFor();
    await page.getByRole('img', { name: /Events per day over 30 days/ }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('finds a demo person by email with their timeline and a skipped message with its reason', async () => {
    await runDemo();
    const { email, reason } = await personWithSkip();
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await page.getByLabel('Identifier type').selectOption('email');
    await page.getByLabel('Identifier', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: /^Person/ }).waitFor();
    await page.getByRole('table', { name: 'Timeline of events' }).getByRole('row').nth(1).waitFor();
    const messages = page.getByRole('table', { name: 'Messages sent and skipped' });
    await messages.getByText('skipped').first().waitFor();
    await messages.getByRole('cell', { name: reason, exact: true }).first().waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  }, 300_000);

  it('shows events per day, sends by channel and skips by reason after the demo', async () => {
    const page = await h.signedIn();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const events = page.getByRole('region', { name: 'Events per day' });
    await events.getByRole('img', { name: /Events per day over 30 days/ }).waitFor();
    expect(await events.getByText('Last 30 days').count()).toBe(1);
    const label = await events.getByRole('img').getAttribute('aria-label');
    expect(Number(/([\d,]+) in all/.exec(label ?? '')?.[1]?.replaceAll(',', ''))).toBeGreaterThan(0);
    const skips = page.getByRole('table', { name: /Messages skipped by reason/ });
    expect(await skips.getByRole('row').count()).toBeGreaterThan(1);
    await page.getByRole('region', { name: 'Sends by channel' }).waitFor();
    await page.getByRole('table', { name: 'Running executions per journey' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('creates a source, shows its key once, and revokes it', async () => {
    const page = await h.signedIn();
    await page.goto(`${h.rt.url}/settings`);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByLabel('Source name').fill('Bad Name');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('alert').filter({ hasText: 'lower-case' }).waitFor();
    await page.getByLabel('Source name').fill('web-shop');
    await page.getByRole('button', { name: 'Create source' }).click();
    const key = await page.getByLabel('New write key').inputValue();
    expect(key).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
    await page.getByText('shown only this once').waitFor();
    // The key works for ingest.
    const tracked = await fetch(`${h.rt.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${key}:`)}` },
      body: JSON.stringify({ userId: 'u-settings', event: 'Product Viewed' }),
    });
    expect(tracked.status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('New write key').count()).toBe(0);
    const sources = page.getByRole('table', { name: 'Event sources' });
    await sources.getByRole('cell', { name: 'web-shop', exact: true }).waitFor();
    expect(await sources.getByText(key).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Revoke web-shop' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, revoke' }).click();
    await sources.getByRole('row').filter({ hasText: 'web-shop' }).getByText('revoked').waitFor();
    await page
      .getByRole('region', { name: 'Users and roles' })
      .getByRole('cell', { name: 'local-admin' })
      .waitFor();
    await page.context().close();
  });

  it('refuses a viewer a new source, showing the 403', async () => {
    const token = addLocalConsoleUser(h.rt.dataDir, 'vic', ['viewer']);
    const page = await h.signedIn(token);
    await page.goto(`${h.rt.url}/settings`);
    await page.getByLabel('Source name').fill('viewer-made');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('alert').filter({ hasText: 'manage sources and write keys (forbidden)' }).waitFor();
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    const res: number = await page.evaluate(
      async () => (await fetch('/api/admin/sources', { method: 'POST', body: '{"name":"x"}' })).status,
    );
    expect(res).toBe(403);
    await page.context().close();
  });
});
