/**
 * The content routes the console's review queue uses: the brand rules beside each variant's checks,
 * server-side checks of an edit, previews rendered the way the send function renders, and who may
 * review.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createReviewHandler } from '../../../functions/review-content/app.js';
import { defaultChannelsConfig } from '../../../shared/config/channels.js';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { LocalGuardrail } from '../../../shared/domain/content/local-guardrail.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import { checkedRules } from '../../../shared/domain/content/rules.js';
import type { ContentBody, Variant } from '../../../shared/domain/content/schemas.js';
import type { Recipient } from '../../../shared/ports/channels.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, brief, fixedNow, MemoryBudget, MemoryContentStore, newId } from './support.js';

const ANN: Recipient = {
  profileId: 'p-ann',
  email: 'ann@example.com',
  consent: { email: true },
  traits: { firstName: 'Ann' },
  features: { cart: { value: 42, items: 1 } },
};

async function setup(channel: Variant['channel'] = 'email') {
  const store = new MemoryContentStore();
  const result = await generateContent(
    {
      config: defaultContentConfig,
      generator: new OfflineGenerator({ playbook: defaultPlaybook }),
      budget: new MemoryBudget(),
      store,
      now: fixedNow,
      newId,
    },
    brief({ n: 1, channel }),
  );
  const id = result.variants[0]!.id;
  const handler = createReviewHandler(
    {
      config: defaultContentConfig,
      store,
      guardrail: new LocalGuardrail(defaultPlaybook),
      now: fixedNow,
      preview: {
        recipients: { getRecipient: async (pid) => (pid === ANN.profileId ? ANN : undefined) },
        channels: defaultChannelsConfig,
      },
    },
    silentLogger,
  );
  const call = async (event: APIGatewayProxyEventV2) => {
    const res = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode, body: JSON.parse(String(res.body ?? 'null')) };
  };
  return { store, id, call };
}

/** A console user's request, as the JWT authorizer (or the local runtime) hands it over. */
function asUser(event: APIGatewayProxyEventV2, username: string, groups: string[]): APIGatewayProxyEventV2 {
  return {
    ...event,
    rawPath: `/api${event.rawPath}`,
    requestContext: {
      ...event.requestContext,
      authorizer: { jwt: { claims: { 'cognito:username': username, 'cognito:groups': groups }, scopes: [] } },
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

describe('the brand rules beside a variant’s checks', () => {
  it('lists every rule the checks apply, with the playbook’s words and the failures under their rule', () => {
    const rules = checkedRules(defaultPlaybook, ['unsubscribe_url'], 'sms', {
      passed: false,
      failures: [
        { code: 'disallowed_word', detail: 'text uses the disallowed word "free"' },
        { code: 'sms_segments_exceeded', detail: '3 GSM-7 segments; the limit is 2' },
        { code: 'brand_new_check', detail: 'something else' },
      ],
    });
    const byRule = Object.fromEntries(rules.map((r) => [r.rule, r]));
    expect(byRule['Banned words and phrases']).toMatchObject({
      passed: false,
      failures: ['text uses the disallowed word "free"'],
    });
    expect(byRule['Banned words and phrases']!.detail).toContain('“free”');
    expect(byRule.Length).toMatchObject({ passed: false, detail: 'at most 2 SMS segments' });
    expect(byRule['Required elements']).toMatchObject({ passed: true, detail: '“Reply STOP to opt out”' });
    expect(byRule['Discount limit']).toMatchObject({ passed: true, detail: 'at most 20% off' });
    // A failure no rule names is still shown.
    expect(byRule['Other checks']).toMatchObject({
      passed: false,
      failures: ['brand_new_check: something else'],
    });
  });

  it('comes with the variant from GET /admin/content/{id}', async () => {
    const { id, call } = await setup('email');
    const res = await call(apiEvent('GET', `/admin/content/${id}`));
    expect(res.status).toBe(200);
    expect(res.body.rules.map((r: { rule: string }) => r.rule)).toContain('Required elements');
    expect(res.body.rules.find((r: { rule: string }) => r.rule === 'Required elements').detail).toBe(
      '“{{ unsubscribe_url }}”',
    );
  });
});

describe('checking an edit on the server', () => {
  it('re-runs every check and the guardrail on the edit and saves nothing', async () => {
    const { id, call, store } = await setup('push');
    const before = await store.get(id);
    const edited: ContentBody = {
      type: 'push',
      title: 'Hurry, last chance',
      body: 'Cheap yarn at WoolWorld',
    };
    const res = await call(apiEvent('POST', `/admin/content/${id}/check`, { body: { edited } }));
    expect(res.status).toBe(200);
    expect(res.body.checks.passed).toBe(false);
    const failed = res.body.rules
      .filter((r: { passed: boolean }) => !r.passed)
      .map((r: { rule: string }) => r.rule);
    expect(failed).toEqual(expect.arrayContaining(['Banned words and phrases', 'No competitor names']));
    expect(await store.get(id)).toEqual(before);
  });

  it('answers an edit of another channel or a malformed one with a 400 naming the problem', async () => {
    const { id, call } = await setup('push');
    const wrong = await call(
      apiEvent('POST', `/admin/content/${id}/check`, { body: { edited: { type: 'sms', text: 'Hi' } } }),
    );
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'edit_channel_mismatch' } } });
    const malformed = await call(
      apiEvent('POST', `/admin/content/${id}/check`, { body: { edited: { type: 'push', title: '' } } }),
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_edit');
  });
});

describe('a preview for a person', () => {
  it('renders an email with the person’s traits, the preheader and the marketing footer the send adds', async () => {
    const { id, call, store } = await setup('email');
    const v = store.variants.get(id)!;
    store.variants.set(id, {
      ...v,
      content: {
        type: 'email',
        subject: 'Hi {{ profile.traits.firstName | default: "there" }}',
        preheader: 'Your kit',
        html: '<html><body><p>Hello {{ profile.traits.firstName }}</p><a href="{{ unsubscribe_url }}">x</a></body></html>',
        text: 'Hello {{ profile.traits.firstName }}, cart {{ profile.features.cart.value }}',
      },
    });
    const res = await call(
      apiEvent('POST', `/admin/content/${id}/preview`, { body: { profileId: 'p-ann' } }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rendered: true,
      person: { kind: 'profile', profileId: 'p-ann' },
      purpose: 'marketing',
      email: { subject: 'Hi Ann', preheader: 'Your kit' },
    });
    expect(res.body.email.html).toContain('<p>Hello Ann</p>');
    expect(res.body.email.html).toContain(defaultChannelsConfig.email.postalAddress);
    expect(res.body.email.html).toContain('>Unsubscribe</a>');
    expect(res.body.email.text).toContain('Hello Ann, cart 42');
    // The copy's own link renders like the send's, with the preview's placeholder token.
    expect(res.body.email.html).toContain(
      `<a href="${defaultChannelsConfig.email.unsubscribeUrl}?token=preview">x</a>`,
    );
    expect(res.body.missing).not.toContain('unsubscribe_url');
  });

  it('uses a sample person without a profile id, and escapes traits in HTML', async () => {
    const { id, call, store } = await setup('email');
    const v = store.variants.get(id)!;
    store.variants.set(id, {
      ...v,
      content: {
        ...(v.content as ContentBody & { type: 'email' }),
        html: '<p>{{ profile.traits.firstName }}</p>',
      },
    });
    const sample = await call(apiEvent('POST', `/admin/content/${id}/preview`, { body: {} }));
    expect(sample.body).toMatchObject({ rendered: true, person: { kind: 'sample' } });
    expect(sample.body.email.html).toContain('<p>Alex</p>');
  });

  it('adds the opt-out line to a marketing SMS, not to a transactional one', async () => {
    const { id, call } = await setup('sms');
    const edited = { type: 'sms', text: 'Hi {{ profile.traits.firstName }}, your yarn ships today.' };
    const marketing = await call(
      apiEvent('POST', `/admin/content/${id}/preview`, { body: { profileId: 'p-ann', edited } }),
    );
    expect(marketing.body.sms).toMatchObject({
      body: 'Hi Ann, your yarn ships today. Reply STOP to opt out',
      segments: 1,
      encoding: 'GSM-7',
    });
    const transactional = await call(
      apiEvent('POST', `/admin/content/${id}/preview`, {
        body: { profileId: 'p-ann', edited, purpose: 'transactional' },
      }),
    );
    expect(transactional.body.sms.body).toBe('Hi Ann, your yarn ships today.');
  });

  it('renders push and in-app titles and bodies', async () => {
    const push = await setup('push');
    const p = await push.call(apiEvent('POST', `/admin/content/${push.id}/preview`, { body: {} }));
    expect(p.body.push).toEqual({ title: expect.any(String), body: expect.any(String) });
    const inApp = await setup('in_app');
    const i = await inApp.call(apiEvent('POST', `/admin/content/${inApp.id}/preview`, { body: {} }));
    expect(i.body.inApp).toEqual({
      title: expect.any(String),
      body: expect.any(String),
      cta: expect.any(String),
    });
  });

  it('says which part does not render instead of sending half a message', async () => {
    const { id, call } = await setup('push');
    const edited = { type: 'push', title: 'Hi {{ profile.traits.firstName | nosuchfilter }}', body: 'x' };
    const res = await call(apiEvent('POST', `/admin/content/${id}/preview`, { body: { edited } }));
    expect(res.body).toMatchObject({ rendered: false, part: 'title', error: 'liquid_invalid' });
  });

  it('refuses a file include in a preview and in the edit’s checks, never showing the file', async () => {
    const { id, call } = await setup('push');
    const edited = { type: 'push', title: 'Hi', body: "{% include 'package.json' %}" };
    const res = await call(apiEvent('POST', `/admin/content/${id}/preview`, { body: { edited } }));
    expect(res.body).toMatchObject({ rendered: false, part: 'body', error: 'template_tag_not_allowed' });
    expect(JSON.stringify(res.body)).not.toContain('devDependencies');
    const checked = await call(apiEvent('POST', `/admin/content/${id}/check`, { body: { edited } }));
    expect(checked.body.checks.failures.map((f: { code: string }) => f.code)).toContain(
      'template_tag_not_allowed',
    );
  });

  it.each([
    ['an unknown person', { profileId: 'nobody' }, 404, 'profile_not_found'],
    ['an unknown field', { person: 'p-ann' }, 400, 'invalid_preview'],
    ['an unknown purpose', { purpose: 'spam' }, 400, 'invalid_preview'],
  ])('answers %s with a 4xx and its code', async (_name, body, status, code) => {
    const { id, call } = await setup('email');
    const res = await call(apiEvent('POST', `/admin/content/${id}/preview`, { body }));
    expect(res).toMatchObject({ status, body: { error: { code } } });
  });
});

describe('who may review in the console', () => {
  it('records a reviewer under their own name, whatever the page sends', async () => {
    const { id, call, store } = await setup('push');
    const res = await call(
      asUser(
        apiEvent('POST', `/admin/content/${id}/review`, {
          body: { decision: 'approve', comment: 'on brand', reviewer: 'someone-else' },
        }),
        'rita',
        ['reviewer'],
      ),
    );
    expect(res).toMatchObject({
      status: 200,
      body: { variant: { status: 'approved', review: { reviewer: 'rita' } } },
    });
    expect((await store.audit(id)).at(-1)).toMatchObject({
      kind: 'reviewed',
      reviewer: 'rita',
      comment: 'on brand',
    });
  });

  it('refuses a marketer’s approval and leaves the variant pending, but lets them preview', async () => {
    const { id, call, store } = await setup('push');
    const res = await call(
      asUser(
        apiEvent('POST', `/admin/content/${id}/review`, { body: { decision: 'approve', comment: 'ok' } }),
        'mark',
        ['marketer'],
      ),
    );
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await store.get(id))!.status).toBe('pending_review');
    const preview = await call(
      asUser(apiEvent('POST', `/admin/content/${id}/preview`, { body: {} }), 'mark', ['marketer']),
    );
    expect(preview.status).toBe(200);
  });

  it('requires a comment', async () => {
    const { id, call } = await setup('push');
    const res = await call(
      asUser(
        apiEvent('POST', `/admin/content/${id}/review`, { body: { decision: 'reject', comment: ' ' } }),
        'rita',
        ['reviewer'],
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.issues.map((i: { path: string[] }) => i.path.join('.'))).toContain('comment');
  });
});
