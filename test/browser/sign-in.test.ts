import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLocalConsoleUser } from '../../infra/local/console.js';
import { accessibilityViolations, type ConsoleHarness, startConsole } from './support.js';

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole();
});
afterAll(async () => {
  await h?.stop();
});

const NAV = [
  'Overview',
  'People',
  'Audiences',
  'Journeys',
  'Campaigns',
  'Content',
  'Messages',
  'Experiments',
  'Models',
  'Data quality',
  'Settings',
];

describe('console sign-in', () => {
  it('signs in with the token in the address bar, moves it into a cookie and shows the navigation', async () => {
    const page = await h.signedIn();
    expect(new URL(page.url()).search).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'ff_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    const nav = page.getByRole('navigation', { name: 'Main' });
    // count() does not wait: the navigation renders once the session is checked (a cold admin function locally).
    await nav.getByRole('link', { name: NAV[NAV.length - 1], exact: true }).waitFor();
    for (const label of NAV)
      await expect(nav.getByRole('link', { name: label, exact: true }).count()).resolves.toBe(1);
    await page.getByText('local-admin').first().waitFor();
    await page.context().close();
  });

  it('shows a sign-in page to a visit without a session, and accepts the token there', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.rt.url}/people`);
    await page.getByLabel('Access token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('Access token').fill(h.rt.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });

  it('keeps the console API closed to a visit without a session', async () => {
    const res = await fetch(`${h.rt.url}/api/admin/me`);
    expect(res.status).toBe(401);
  });

  it('signs a local console user in with their role', async () => {
    const token = addLocalConsoleUser(h.rt.dataDir, 'vera', ['viewer']);
    const page = await h.signedIn(token);
    await page.getByText('vera').first().waitFor();
    const me: any = await page.evaluate(async () => (await fetch('/api/admin/me')).json());
    expect(me.caller).toMatchObject({ kind: 'user', id: 'vera', roles: ['viewer'], actions: ['read'] });
    await page.context().close();
  });

  it('finds a person by email, opens their page and erases them after a confirmation', async () => {
    const post = await h.rt.post('/v1/identify', {
      userId: 'u-ann',
      traits: { email: 'Ann@Example.com', firstName: 'Ann' },
    });
    expect(post.status).toBe(200);
    await h.rt.settle();
    const page = await h.signedIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await page.getByLabel('Identifier type').selectOption('email');
    await page.getByLabel('Identifier', { exact: true }).fill('ann@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'Person: Ann' }).waitFor();
    await page
      .getByRole('table', { name: 'Timeline of events' })
      .getByRole('cell', { name: 'identify' })
      .first()
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // An admin erases the person only after confirming.
    await page.getByRole('button', { name: 'Erase person' }).click();
    const dialog = page.getByRole('alertdialog', { name: /Erase everything held about this person/ });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await h.rt.admin('/admin/profiles?type=userId&value=u-ann')).toMatchObject({ status: 200 });
    await page.getByRole('button', { name: 'Erase person' }).click();
    await dialog.getByRole('button', { name: 'Yes, erase' }).click();
    await page.getByRole('status').filter({ hasText: 'Erased' }).waitFor();
    expect(await h.rt.admin('/admin/profiles?type=userId&value=u-ann')).toMatchObject({ status: 404 });
    await page.context().close();
  });
});
