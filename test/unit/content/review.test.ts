import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createGenerateHandler } from '../../../functions/generate-content/app.js';
import { createReviewHandler } from '../../../functions/review-content/app.js';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { LocalGuardrail } from '../../../shared/domain/content/local-guardrail.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import { isSendable, reviewVariant } from '../../../shared/domain/content/review.js';
import type { ContentBody, Variant } from '../../../shared/domain/content/schemas.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, brief, fixedNow, MemoryBudget, MemoryContentStore, newId } from './support.js';

const guardrail = new LocalGuardrail(defaultPlaybook);

async function setup(overrides: Parameters<typeof brief>[0] = {}) {
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
    brief({ n: 1, channel: 'push', ...overrides }),
  );
  const id = result.variants[0]!.id;
  const deps = { config: defaultContentConfig, store, guardrail, now: fixedNow };
  return { store, id, deps };
}

/** Stores a pending variant whose copy contains a disallowed word. */
async function pendingWithDisallowedWord() {
  const ctx = await setup();
  const v = ctx.store.variants.get(ctx.id)!;
  const content: ContentBody = { type: 'push', title: 'Free shipping today', body: 'Your order ships now.' };
  ctx.store.variants.set(ctx.id, {
    ...v,
    content,
    checks: { passed: false, failures: [{ code: 'disallowed_word', detail: 'title uses "free"' }] },
  });
  return ctx;
}

const review = { comment: 'looks right', reviewer: 'reviewer-1' };

describe('review', () => {
  it('approves a pending variant that passes its checks, and only then is it sendable', async () => {
    const { id, deps, store } = await setup();
    expect(isSendable((await store.get(id))!)).toBe(false);
    const approved = await reviewVariant(deps, id, { decision: 'approve', ...review });
    expect(approved).toMatchObject({
      status: 'approved',
      review: { decision: 'approve', reviewer: 'reviewer-1' },
    });
    expect(isSendable(approved)).toBe(true);
    expect((await store.audit(id)).map((a) => a.kind)).toEqual(['generated', 'reviewed']);
  });

  it('never approves a variant that contains a disallowed word', async () => {
    const { id, deps, store } = await pendingWithDisallowedWord();
    await expect(reviewVariant(deps, id, { decision: 'approve', ...review })).rejects.toMatchObject({
      code: 'checks_failed',
    });
    expect((await store.get(id))!.status).toBe('pending_review');
  });

  it('never approves a human edit that brings in a disallowed word, even disguised', async () => {
    const { id, deps, store } = await setup();
    const edited: ContentBody = {
      type: 'push',
      title: 'Ｆｒｅｅ gift inside',
      body: 'Your order ships now.',
    };
    const error = await reviewVariant(deps, id, { decision: 'approve', ...review, edited }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'checks_failed',
      details: { checks: { passed: false }, guardrail: { status: 'intervened', reason: 'disallowed_word' } },
    });
    const after = (await store.get(id))!;
    expect(after.status).toBe('pending_review');
    expect(isSendable(after)).toBe(false);
  });

  it('approves an edit that removes the disallowed word, with the edit re-checked', async () => {
    const { id, deps } = await pendingWithDisallowedWord();
    const edited: ContentBody = {
      type: 'push',
      title: 'Shipping is on us today',
      body: 'Your order ships now.',
    };
    const approved = await reviewVariant(deps, id, { decision: 'approve', ...review, edited });
    expect(approved).toMatchObject({
      status: 'approved',
      content: edited,
      checks: { passed: true },
      guardrail: { status: 'passed' },
      review: { edited: true },
    });
  });

  it('cannot decide twice: an approved or rejected variant is no longer reviewable', async () => {
    const a = await setup();
    await reviewVariant(a.deps, a.id, { decision: 'approve', ...review });
    await expect(reviewVariant(a.deps, a.id, { decision: 'approve', ...review })).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    const r = await setup();
    await reviewVariant(r.deps, r.id, { decision: 'reject', ...review });
    await expect(reviewVariant(r.deps, r.id, { decision: 'approve', ...review })).rejects.toMatchObject({
      code: 'invalid_transition',
    });
  });

  it('refuses an edit of another channel', async () => {
    const { id, deps } = await setup();
    await expect(
      reviewVariant(deps, id, {
        decision: 'approve',
        ...review,
        edited: { type: 'sms', text: 'Hi. Reply STOP to opt out' },
      }),
    ).rejects.toMatchObject({ code: 'edit_channel_mismatch' });
  });

  it('treats only approved variants with content as sendable', () => {
    const base = { content: { type: 'sms', text: 'x' } } as Pick<Variant, 'content'>;
    expect(isSendable({ ...base, status: 'approved' })).toBe(true);
    expect(isSendable({ ...base, status: 'pending_review' })).toBe(false);
    expect(isSendable({ ...base, status: 'rejected' })).toBe(false);
    expect(isSendable({ status: 'approved' })).toBe(false);
  });
});

type HttpResult = APIGatewayProxyStructuredResultV2;
const parse = (res: HttpResult) => ({
  status: res.statusCode,
  body: JSON.parse(res.body ?? 'null') as Record<string, unknown>,
});

describe('admin content routes', () => {
  it('lists pending variants, shows one with its audit, and reviews it', async () => {
    const { id, deps } = await setup();
    const handler = createReviewHandler(deps, silentLogger);
    const list = parse(
      await handler(
        apiEvent('GET', '/admin/content', { query: { status: 'pending_review' } }),
        {} as Context,
      ),
    );
    expect(list).toMatchObject({ status: 200, body: { variants: [{ id }] } });
    const show = parse(await handler(apiEvent('GET', `/admin/content/${id}`), {} as Context));
    expect(show).toMatchObject({ status: 200, body: { variant: { id }, audit: [{ kind: 'generated' }] } });
    const done = parse(
      await handler(
        apiEvent('POST', `/admin/content/${id}/review`, {
          body: { decision: 'reject', comment: 'off-brand', reviewer: 'r' },
        }),
        {} as Context,
      ),
    );
    expect(done).toMatchObject({ status: 200, body: { variant: { status: 'rejected' } } });
  });

  it.each([
    [
      'an unknown status',
      apiEvent('GET', '/admin/content', { query: { status: 'sent' } }),
      400,
      'invalid_query',
    ],
    ['an unknown variant', apiEvent('GET', '/admin/content/nope'), 404, 'variant_not_found'],
    ['a malformed id', apiEvent('GET', '/admin/content/a%20b'), 400, 'invalid_id'],
    ['invalid JSON', apiEvent('POST', '/admin/content/x/review', { body: '{' }), 400, 'invalid_json'],
    [
      'a review without a comment',
      apiEvent('POST', '/admin/content/x/review', { body: { decision: 'approve', reviewer: 'r' } }),
      400,
      'invalid_review',
    ],
    ['an unknown route', apiEvent('DELETE', '/admin/content/x'), 404, 'unknown_route'],
  ])('answers %s with a 4xx and its code', async (_name, event, status, code) => {
    const { deps } = await setup();
    const res = parse(await createReviewHandler(deps, silentLogger)(event, {} as Context));
    expect(res).toMatchObject({ status, body: { success: false, error: { code } } });
  });

  it('answers 409 with the check report when an approval fails its checks', async () => {
    const { id, deps } = await pendingWithDisallowedWord();
    const res = parse(
      await createReviewHandler(deps, silentLogger)(
        apiEvent('POST', `/admin/content/${id}/review`, {
          body: { decision: 'approve', comment: 'ok', reviewer: 'r' },
        }),
        {} as Context,
      ),
    );
    expect(res).toMatchObject({
      status: 409,
      body: { error: { code: 'checks_failed' }, checks: { failures: [{ code: 'disallowed_word' }] } },
    });
  });
});

describe('generate-content handler', () => {
  const deps = () => ({
    config: defaultContentConfig,
    generator: new OfflineGenerator({ playbook: defaultPlaybook }),
    budget: new MemoryBudget(),
    store: new MemoryContentStore(),
    now: fixedNow,
    newId,
  });

  it('answers POST /admin/content/generate with 201, the ids and the check reports', async () => {
    const res = parse(
      (await createGenerateHandler(deps(), silentLogger)(
        apiEvent('POST', '/admin/content/generate', { body: brief({ n: 2 }) }),
        {} as Context,
      )) as HttpResult,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      generator: 'offline',
      variants: [
        { id: expect.any(String), status: 'pending_review', checks: { passed: true } },
        { id: expect.any(String), status: 'pending_review', checks: { passed: true } },
      ],
    });
  });

  it('answers an invalid brief with 400 invalid_brief', async () => {
    const res = parse(
      (await createGenerateHandler(deps(), silentLogger)(
        apiEvent('POST', '/admin/content/generate', { body: { intent: 'spam' } }),
        {} as Context,
      )) as HttpResult,
    );
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_brief' } } });
  });

  it('returns the result to Step Functions and throws named errors for a bad brief', async () => {
    const handler = createGenerateHandler(deps(), silentLogger);
    await expect(handler({ brief: brief({ n: 1 }) }, {} as Context)).resolves.toMatchObject({
      variants: [{ status: 'pending_review' }],
    });
    await expect(handler({ brief: { channel: 'fax' } }, {} as Context)).rejects.toMatchObject({
      name: 'InvalidRequestError',
      code: 'invalid_brief',
    });
  });
});
