import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { hrefsOf, parseMime } from './support/mime.js';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const sendFunction = () => [...rt.functions.values()].find((f) => f.logicalId.startsWith('ChannelsSend'))!;
const outboxDir = () => join(rt.dataDir, 'outbox');

async function adminPost(path: string, body: unknown) {
  const res = await fetch(`${rt.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A person with email consent, created through the tracking API as an app would. */
async function consentedPerson(userId: string, email: string): Promise<string> {
  const res = await rt.post('/v1/identify', {
    userId,
    traits: { email, firstName: 'Ada', lastName: 'Lovelace', city: 'London' },
    context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/London' },
  });
  expect(res.status).toBe(200);
  await rt.settle();
  const found = await rt.admin(`/admin/profiles?type=userId&value=${userId}`);
  expect(found.status).toBe(200);
  return found.body.profile.profileId;
}

const context = {
  product: { name: 'Merino wrap cardigan', url: 'https://shop.example/merino-wrap', price: 89 },
  order: { id: 'A-1001', eta: 'Thursday' },
  offer: { code: 'THANKS10', percent: 10 },
};

/** Sends one marketing email and returns its parsed .eml: headers, text part, HTML part. */
async function sendAndRead(
  profileId: string,
  executionId: string,
  content: { subject: string; text: string; html: string },
) {
  const sent = await sendFunction().invoke<{ outcome: string; messageId: string }>({
    profileId,
    channel: 'email',
    purpose: 'marketing',
    journey: 'e2e-links',
    executionId,
    step: 'links',
    content: { variantId: `v-${executionId}`, status: 'approved', ...content },
    variant: 'A',
    priority: 10,
    context,
  });
  expect(sent.outcome).toBe('Sent');
  const entry = (await listOutbox(outboxDir())).find(
    (e) => e.channel === 'email' && readFileSync(join(outboxDir(), e.file), 'utf8').includes(sent.messageId),
  );
  expect(entry).toBeDefined();
  const mail = parseMime(readFileSync(join(outboxDir(), entry!.file), 'utf8'));
  const part = (type: string) => mail.parts.find((p) => p.contentType === type)?.text ?? '';
  return { mail, text: part('text/plain'), html: part('text/html') };
}

/** A preference-page link: the unsubscribe endpoint's `?view=preferences`. */
const isPreferences = (url: string) => new URL(url).searchParams.get('view') === 'preferences';

/** Follows a link of this API without redirects; answers status, body and the error header. */
async function follow(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, body: await res.text(), error: res.headers.get('x-feltfit-error') };
}

describe('links in sent email', () => {
  it('follows every link of a generated email: the preference page loads, the unsubscribe unsubscribes', async () => {
    const profileId = await consentedPerson('links-user-1', 'links1@example.com');
    const generated = await adminPost('/admin/content/generate', {
      journeyStep: 'cart-recovery/incentive',
      intent: 'incentive',
      channel: 'email',
      audience: { segment: 'cart-abandoners' },
      product: { name: 'Merino wrap cardigan', facts: ['Ships in 2 working days'] },
      offer: { type: 'discount', percent: 10, code: 'THANKS10' },
      n: 1,
    });
    expect(generated.status).toBe(201);
    const shown = await rt.admin(`/admin/content/${generated.body.variants[0].id}`);
    expect(shown.status).toBe(200);
    const copy = shown.body.variant.content;
    expect(copy.html).toContain('{{ preferences_url }}');
    expect(copy.html).toContain('{{ unsubscribe_url }}');

    const { mail, text, html } = await sendAndRead(profileId, 'links-exec-1', copy);
    const hrefs = hrefsOf(html);
    // The copy's CTA (preferences), its unsubscribe link and the footer's: none empty, all this API's.
    expect(hrefs.length).toBeGreaterThanOrEqual(3);
    for (const href of hrefs) expect(href.startsWith(`${rt.url}/v1/`), href).toBe(true);
    const header = /<(http[^>]+)>/.exec(mail.headers.get('list-unsubscribe') ?? '')?.[1];
    const unsubscribeLinks = hrefs.filter((h) => !isPreferences(h));
    expect(new Set(unsubscribeLinks)).toEqual(new Set([header]));
    expect(text).toContain(`Unsubscribe: ${header}`);

    for (const href of hrefs) {
      const page = await follow(href);
      expect(page.status, href).toBe(200);
      if (isPreferences(href)) {
        expect(page.body).toContain('Your preferences');
        expect(page.body).toContain('data-channel="email" data-subscribed="true"');
      } else {
        // GET shows the confirmation form and never unsubscribes (scanners prefetch).
        expect(page.body).toContain('<form method="post"');
      }
    }
    // Following them changed nothing: GETs never unsubscribe (link scanners prefetch).
    const prefs = hrefs.find(isPreferences)!;
    expect((await follow(prefs)).body).toContain('data-channel="email" data-subscribed="true"');

    // The confirmation page's form, posted as a browser would: the person is unsubscribed.
    const confirm = await follow(unsubscribeLinks[0]!);
    const token = /name="token" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const posted = await follow(unsubscribeLinks[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toContain('You are unsubscribed');
    const after = await sendFunction().invoke<{ outcome: string; reason?: string }>({
      profileId,
      channel: 'email',
      purpose: 'marketing',
      journey: 'e2e-links',
      executionId: 'links-exec-3',
      step: 'links',
      content: { variantId: 'v-3', status: 'approved', ...copy },
      variant: 'A',
      priority: 60,
    });
    expect(after.outcome).toBe('Skipped');
    expect(['suppressed_unsubscribe', 'no_consent']).toContain(after.reason);
    await rt.settle();
    expect((await follow(prefs)).body).toContain('data-channel="email" data-subscribed="false"');
  });

  it('renders every variable of a hand-written email, and its preference page unsubscribes from it', async () => {
    const profileId = await consentedPerson('links-user-2', 'links2@example.com');
    const { text, html } = await sendAndRead(profileId, 'links-exec-4', {
      subject: 'For you, {{ profile.traits.firstName }}',
      text: [
        'Hi {{ profile.traits.firstName }} {{ profile.traits.lastName }} in {{ profile.traits.city }} ({{ profile.features.rfm.segment }}).',
        '{{ product.name }} at {{ product.price }}: {{ product.url }}',
        'Order {{ order.id }} arrives {{ order.eta }}. {{ offer.percent }}% off with {{ offer.code }}.',
        'Preferences: {{ preferences_url }}',
        'Unsubscribe: {{ unsubscribe_url }}',
      ].join('\n'),
      html: '<p>Hi {{ profile.traits.firstName }}</p><a href="{{ product.url }}">{{ product.name }}</a><a href="{{ preferences_url }}">Preferences</a><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
    });
    expect(text).toContain('Hi Ada Lovelace in London (new).');
    expect(text).toContain('Merino wrap cardigan at 89: https://shop.example/merino-wrap');
    expect(text).toContain('Order A-1001 arrives Thursday. 10% off with THANKS10.');
    const hrefs = hrefsOf(html);
    expect(hrefs).toContain('https://shop.example/merino-wrap');
    const own = hrefs.filter((h) => h.startsWith(rt.url));
    // The copy's preference and unsubscribe links, then the footer's unsubscribe link.
    expect(own.map((h) => new URL(h).pathname)).toEqual([
      '/v1/unsubscribe',
      '/v1/unsubscribe',
      '/v1/unsubscribe',
    ]);
    expect(own.map(isPreferences)).toEqual([true, false, false]);
    const inText = /^Preferences: (\S+)$/m.exec(text)?.[1];
    expect(inText).toBe(own[0]);

    // The preference page's own form unsubscribes email.
    const page = await follow(own[0]!);
    expect(page.status).toBe(200);
    const action = /action="(\?token=[^"]+)"/.exec(page.body)?.[1] ?? '';
    const posted = await follow(new URL(action.replace(/&amp;/g, '&'), own[0]!).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(posted.status).toBe(200);
    const after = await sendFunction().invoke<{ outcome: string; reason?: string }>({
      profileId,
      channel: 'email',
      purpose: 'marketing',
      journey: 'e2e-links',
      executionId: 'links-exec-5',
      step: 'links',
      content: { variantId: 'v-5', status: 'approved', subject: 'x', text: 'x', html: '<p>x</p>' },
      variant: 'A',
      priority: 60,
    });
    expect(['suppressed_unsubscribe', 'no_consent']).toContain(after.reason);
  });

  it('answers a tampered link with 400 and a machine-readable code', async () => {
    const bad = await follow(`${rt.url}/v1/unsubscribe?view=preferences&token=tampered.token`);
    expect(bad.status).toBe(400);
    expect(bad.error).toBe('invalid_token');
  });
});
