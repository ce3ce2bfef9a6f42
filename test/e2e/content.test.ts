import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

async function adminPost(path: string, body: unknown) {
  const res = await fetch(`${rt.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const brief = {
  journeyStep: 'cart-recovery/reassureShipping',
  intent: 'shipping_reassurance',
  channel: 'email',
  audience: { segment: 'cart-abandoners', description: 'people who viewed the shipping page and left' },
  product: {
    name: 'Merino wrap cardigan',
    facts: ['Ships in 2 working days', 'Returns accepted within 30 days'],
  },
  n: 2,
};

describe('content through the local runtime', () => {
  it('generates offline variants for a cart-recovery brief, and a reviewer approves one', async () => {
    const generated = await adminPost('/admin/content/generate', brief);
    expect(generated.status).toBe(201);
    expect(generated.body.generator).toBe('offline');
    expect(generated.body.variants).toHaveLength(2);
    for (const v of generated.body.variants) expect(v.status).toBe('pending_review');

    const pending = await rt.admin('/admin/content?status=pending_review');
    expect(pending.body.variants.map((v: { id: string }) => v.id)).toEqual(
      expect.arrayContaining(generated.body.variants.map((v: { id: string }) => v.id)),
    );

    const id = generated.body.variants[0].id;
    const approved = await adminPost(`/admin/content/${id}/review`, {
      decision: 'approve',
      comment: 'on brand, facts checked',
      reviewer: 'maria',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.variant.status).toBe('approved');

    const shown = await rt.admin(`/admin/content/${id}`);
    expect(shown.body.audit.map((a: { kind: string }) => a.kind)).toEqual(
      expect.arrayContaining(['generated', 'reviewed']),
    );
    // An approved variant is not approved twice.
    expect(
      (
        await adminPost(`/admin/content/${id}/review`, {
          decision: 'approve',
          comment: 'again',
          reviewer: 'maria',
        })
      ).status,
    ).toBe(409);
  });

  it('never approves a variant whose human edit adds a disallowed word', async () => {
    const generated = await adminPost('/admin/content/generate', { ...brief, n: 1 });
    const variant = generated.body.variants[0];
    const current = (await rt.admin(`/admin/content/${variant.id}`)).body.variant;
    const edited = { ...current.content, subject: 'Hurry, it is nearly gone' };
    const review = await adminPost(`/admin/content/${variant.id}/review`, {
      decision: 'approve',
      comment: 'punchier subject',
      reviewer: 'maria',
      edited,
    });
    expect(review.status).toBe(409);
    expect(review.body.error.code).toBe('checks_failed');
    expect((await rt.admin(`/admin/content/${variant.id}`)).body.variant.status).not.toBe('approved');
  });
});
