import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultContentConfig } from '../../../shared/config/content.js';
import { SendRequest } from '../../../shared/domain/channels/schemas.js';
import { send } from '../../../shared/domain/channels/send.js';
import { verifyPreferencesToken, verifyUnsubscribeToken } from '../../../shared/domain/channels/tokens.js';
import { rfmSegment } from '../../../shared/domain/channels/variables.js';
import { memorySendDeps, NOON_NY, recipient, request, SECRET } from './support.js';

/** A person with every trait and feature the documented variables read. */
const fullPerson = recipient({
  traits: { firstName: 'Ada', lastName: 'Lovelace', city: 'London' },
  features: {
    purchases: { orderCount: 4, lastPurchaseDay: '2024-05-01' },
    cart: {
      cartId: 'c1',
      items: [{ productId: 'sku-1', name: 'Merino DK', price: 12.5, quantity: 2 }],
      value: 25,
      updatedAt: '2024-05-14T10:00:00.000Z',
    },
  },
});
const fullContext = {
  product: { name: 'Merino DK', url: 'https://shop.example/merino-dk', price: 12.5 },
  order: { id: 'A-1001', eta: 'Thursday' },
  offer: { code: 'THANKS10', percent: 10 },
};
const documented = defaultContentConfig.allowedVariables;
// One line per documented variable: `name=<rendered value>`.
const listing = documented.map((v) => `${v}=[{{ ${v} }}]`).join('\n');
const tokenOf = (url: string) => decodeURIComponent(new URL(url).searchParams.get('token') ?? '');

async function sendEmail(overrides: Partial<SendRequest> = {}) {
  const s = memorySendDeps({ people: [fullPerson] });
  const outcome = await send(
    s.deps,
    request({
      content: {
        variantId: 'v-1',
        status: 'approved',
        subject: 'Hello {{ profile.traits.firstName }}',
        html: `<html><body><pre>${listing}</pre></body></html>`,
        text: listing,
      },
      context: fullContext,
      ...overrides,
    }),
  );
  expect(outcome.outcome).toBe('Sent');
  return { ...s, email: s.providers.emails[0]! };
}

describe('template variables', () => {
  it('renders every documented variable non-empty for a fully populated profile', async () => {
    const { email, logs } = await sendEmail();
    for (const part of [email.text, email.html!]) {
      for (const v of documented) {
        const value = new RegExp(`${v.replace(/\./g, '\\.')}=\\[([^\\]]*)\\]`).exec(part)?.[1];
        expect(value, v).toBeTruthy();
      }
    }
    expect(logs.find((l) => l.message === 'template variables missing')).toBeUndefined();
  });

  it('puts the footer’s signed unsubscribe link, and the header’s, into {{ unsubscribe_url }}', async () => {
    const { email } = await sendEmail();
    const inCopy = /unsubscribe_url=\[([^\]]*)\]/.exec(email.text)?.[1] ?? '';
    expect(email.text).toContain(`Unsubscribe: ${inCopy}\n`);
    expect(email.headers).toContainEqual({ name: 'List-Unsubscribe', value: `<${inCopy}>` });
    expect(verifyUnsubscribeToken(SECRET, tokenOf(inCopy), NOON_NY)).toMatchObject({
      ok: true,
      value: { profileId: 'prof-1', channel: 'email' },
    });
  });

  it('signs {{ preferences_url }} for the person, as the unsubscribe endpoint’s preference page', async () => {
    const { email, deps } = await sendEmail();
    const url = /preferences_url=\[([^\]]*)\]/.exec(email.text)?.[1] ?? '';
    expect(url.startsWith(`${deps.config.email.unsubscribeUrl}?view=preferences&token=`)).toBe(true);
    expect(verifyPreferencesToken(SECRET, tokenOf(url), NOON_NY)).toMatchObject({
      ok: true,
      value: { profileId: 'prof-1' },
    });
    // An unsubscribe token is not a preferences token, and the other way round.
    expect(verifyUnsubscribeToken(SECRET, tokenOf(url), NOON_NY).ok).toBe(false);
  });

  it('escapes the links in HTML parts without breaking them', async () => {
    const { email } = await sendEmail({
      content: {
        variantId: 'v-1',
        status: 'approved',
        subject: 'Hi',
        html: '<a href="{{ unsubscribe_url }}">u</a><a href="{{ preferences_url }}">p</a>',
        text: 'Hi',
      },
    });
    const hrefs = [...email.html!.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.slice(0, 2).map((h) => new URL(h).searchParams.get('view'))).toEqual([null, 'preferences']);
    expect(verifyUnsubscribeToken(SECRET, tokenOf(hrefs[0]!), NOON_NY).ok).toBe(true);
  });

  it('gives an SMS an unsubscribe link for SMS, and a transactional email its links too', async () => {
    const s = memorySendDeps({ people: [fullPerson] });
    await send(
      s.deps,
      request({
        channel: 'sms',
        content: { variantId: 'v-1', status: 'approved', text: 'Prefs: {{ unsubscribe_url }}' },
      }),
    );
    const smsUrl = /Prefs: (\S+)/.exec(s.providers.sms[0]!.body)?.[1] ?? '';
    expect(verifyUnsubscribeToken(SECRET, tokenOf(smsUrl), NOON_NY)).toMatchObject({
      ok: true,
      value: { channel: 'sms' },
    });
    const { email } = await sendEmail({ purpose: 'transactional', executionId: 'exec-t' });
    expect(/preferences_url=\[(http[^\]]+)\]/.test(email.text)).toBe(true);
  });

  it('falls back to the open cart for product and to the decided discount for offer.percent', async () => {
    const { email } = await sendEmail({
      context: undefined,
      action: 'offer',
      discount: 0.15,
      content: {
        variantId: 'v-1',
        status: 'approved',
        subject: 'Hi',
        text: '{{ product.name }} at {{ product.price }}: {{ offer.percent }}% off [{{ order.id }}]',
      },
    });
    expect(email.text.startsWith('Merino DK at 12.5: 15% off []')).toBe(true);
  });

  it('refuses an unknown context field at the send request', () => {
    const parsed = SendRequest.safeParse({ ...request(), context: { product: { colour: 'red' } } });
    expect(parsed.success).toBe(false);
  });

  it.each([
    [{}, 'new'],
    [{ purchases: { orderCount: 1, lastPurchaseDay: '2024-05-01' } }, 'active'],
    [{ purchases: { orderCount: 3, lastPurchaseDay: '2024-05-01' } }, 'loyal'],
    [{ purchases: { orderCount: 3, lastPurchaseDay: '2023-12-01' } }, 'at_risk'],
    [{ purchases: { orderCount: 9, lastPurchaseDay: '2022-01-01' } }, 'lapsed'],
  ])('segments %j as %s', (features, segment) => {
    expect(rfmSegment(features, NOON_NY)).toBe(segment);
  });

  it('documents every allowed variable in docs/channels.md', () => {
    const doc = readFileSync('docs/channels.md', 'utf8');
    const section = doc.slice(doc.indexOf('### Template variables'), doc.indexOf('## Email, unsubscribe'));
    for (const v of documented) expect(section, v).toContain(`\`${v}\``);
  });
});
