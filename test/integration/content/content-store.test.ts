import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../../../infra/cli/commands/content.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import {
  DynamoDbContentStore,
  DynamoDbTokenBudgetStore,
} from '../../../shared/adapters/dynamodb/content-store.js';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { LocalGuardrail } from '../../../shared/domain/content/local-guardrail.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import { reviewVariant } from '../../../shared/domain/content/review.js';
import { createTestTables } from '../../support/dynamodb.js';
import { brief } from '../../unit/content/support.js';

let store: DynamoDbContentStore;
let budget: DynamoDbTokenBudgetStore;
let dataDir: string;
let seq = 0;
// Each call a millisecond later, so the gsi1 order (newest first) is well defined.
const clock = () => new Date(Date.UTC(2026, 10, 28, 10, 0, 0, ++seq));
const newId = () => `v${Date.now().toString(36)}${(++seq).toString(36)}`;

beforeAll(async () => {
  const t = await createTestTables();
  const client = documentClient(t.client);
  store = new DynamoDbContentStore({ client, tableName: t.tables.content });
  budget = new DynamoDbTokenBudgetStore({ client, tableName: t.tables.content });
  dataDir = await mkdtemp(join(tmpdir(), 'feltfit-content-'));
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      env: { CONTENT_TABLE: t.tables.content },
    }),
  );
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const generate = (n = 2, overrides: Parameters<typeof brief>[0] = {}) =>
  generateContent(
    {
      config: defaultContentConfig,
      generator: new OfflineGenerator({ playbook: defaultPlaybook }),
      budget,
      store,
      now: clock,
      newId,
    },
    brief({ n, channel: 'push', ...overrides }),
  );

const reviewDeps = () => ({
  config: defaultContentConfig,
  store,
  guardrail: new LocalGuardrail(defaultPlaybook),
  now: clock,
});
const decision = { comment: 'checked', reviewer: 'reviewer-1' };

describe('DynamoDbContentStore', () => {
  it('stores generated variants and lists them by status through gsi1, newest first, in pages', async () => {
    const result = await generate(3);
    const ids = result.variants.map((v) => v.id);
    const first = await store.listByStatus('pending_review', { limit: 2 });
    expect(first.cursor).toBeDefined();
    const second = await store.listByStatus('pending_review', { limit: 10, cursor: first.cursor! });
    const listed = [...first.variants, ...second.variants].map((v) => v.id);
    expect(listed.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    expect((await store.get(ids[0]!))?.metadata.generator).toBe('offline');
    expect(await store.audit(ids[0]!)).toEqual([
      expect.objectContaining({ kind: 'generated', model: 'offline-templates-v1' }),
    ]);
  });

  it('moves a reviewed variant between status lists and keeps the review in the audit trail', async () => {
    const [v] = (await generate(1)).variants;
    await reviewVariant(reviewDeps(), v!.id, { decision: 'approve', ...decision });
    const approved = await store.listByStatus('approved', { limit: 100 });
    const pending = await store.listByStatus('pending_review', { limit: 100 });
    expect(approved.variants.map((x) => x.id)).toContain(v!.id);
    expect(pending.variants.map((x) => x.id)).not.toContain(v!.id);
    expect((await store.audit(v!.id)).map((a) => a.kind)).toEqual(['generated', 'reviewed']);
  });

  it('refuses to approve an already-approved or a rejected variant (conditional transition)', async () => {
    const [a, r] = (await generate(2)).variants;
    const approved = await store.get(a!.id);
    await reviewVariant(reviewDeps(), a!.id, { decision: 'approve', ...decision });
    await reviewVariant(reviewDeps(), r!.id, { decision: 'reject', ...decision });
    // Straight at the store, bypassing the use case's own status check, as a racing reviewer would.
    const transition = {
      to: 'approved' as const,
      review: {
        decision: 'approve' as const,
        reviewer: 'r2',
        comment: 'again',
        at: clock().toISOString(),
        edited: false,
      },
      checks: approved!.checks,
      guardrail: approved!.guardrail,
      audit: {
        kind: 'reviewed' as const,
        variantId: a!.id,
        at: clock().toISOString(),
        reviewer: 'r2',
        decision: 'approve' as const,
        comment: 'again',
        from: 'pending_review' as const,
        to: 'approved' as const,
        checks: approved!.checks,
        guardrail: approved!.guardrail,
      },
    };
    await expect(store.applyReview(a!.id, transition)).rejects.toMatchObject({ code: 'invalid_transition' });
    await expect(
      store.applyReview(r!.id, { ...transition, audit: { ...transition.audit, variantId: r!.id } }),
    ).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    await expect(store.applyReview('missing', transition)).rejects.toMatchObject({
      code: 'variant_not_found',
    });
    expect((await store.get(r!.id))?.status).toBe('rejected');
    expect((await store.audit(a!.id)).filter((x) => x.kind === 'reviewed')).toHaveLength(1);
  });

  it('keeps a variant with a disallowed word out of approved, also after a human edit', async () => {
    const [v] = (await generate(1)).variants;
    await expect(
      reviewVariant(reviewDeps(), v!.id, {
        decision: 'approve',
        ...decision,
        edited: { type: 'push', title: 'Act now: fr\u200Bee gift', body: 'Your order ships today.' },
      }),
    ).rejects.toMatchObject({ code: 'checks_failed' });
    expect((await store.get(v!.id))?.status).toBe('pending_review');
  });

  it('adds tokens to the month counter atomically', async () => {
    await Promise.all([budget.add('2030-01', 100), budget.add('2030-01', 250)]);
    expect(await budget.used('2030-01')).toBe(350);
    expect(await budget.used('2030-02')).toBe(0);
  });
});

describe('feltfit content CLI', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        out: (t: string) => out.push(t),
        err: (t: string) => err.push(t),
        env: { FELTFIT_DATA_DIR: dataDir },
      },
    };
  };

  it('lists, shows and approves a variant, and refuses to approve it twice', async () => {
    const [v] = (await generate(1, { intent: 'onboarding' })).variants;
    const list = io();
    expect(await run(['list'], list.io)).toBe(0);
    expect(list.out.join('')).toContain(v!.id);
    const show = io();
    expect(await run(['show', v!.id], show.io)).toBe(0);
    expect(show.out.join('')).toContain('generator  offline');
    const approve = io();
    expect(
      await run(['review', v!.id, '--approve', '--comment', 'fine', '--reviewer', 'ana'], approve.io),
    ).toBe(0);
    expect(approve.out.join('')).toContain('is now approved');
    const again = io();
    expect(
      await run(['review', v!.id, '--approve', '--comment', 'fine', '--reviewer', 'ana'], again.io),
    ).toBe(1);
    expect(again.err.join('')).toContain('invalid_transition');
  });

  it('re-checks an edit file and refuses to approve a disallowed word', async () => {
    const [v] = (await generate(1)).variants;
    const file = join(dataDir, 'edit.json');
    await writeFile(file, JSON.stringify({ title: 'Free yarn for you' }));
    const res = io();
    expect(
      await run(
        ['review', v!.id, '--approve', '--comment', 'edited', '--edit-file', file, '--reviewer', 'ana'],
        res.io,
      ),
    ).toBe(1);
    expect(res.err.join('')).toContain('disallowed_word');
    expect((await store.get(v!.id))?.status).toBe('pending_review');
  });

  it('generates the README’s example brief (examples/brief.json) into the table runtime.json names', async () => {
    const res = io();
    const file = new URL('../../../examples/brief.json', import.meta.url).pathname;
    expect(await run(['generate', '--brief-file', file], res.io)).toBe(0);
    const lines = res.out.join('').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const [id, status, checks] = line.split('  ');
      expect({ status, checks }).toEqual({ status: 'pending_review', checks: 'checks ok' });
      expect(await store.get(id!)).toMatchObject({ intent: 'shipping_reassurance', channel: 'email' });
    }
  });

  it('answers a usage mistake with exit code 2', async () => {
    const res = io();
    expect(
      await run(['review', 'x', '--approve', '--reject', '--comment', 'c', '--reviewer', 'a'], res.io),
    ).toBe(2);
    expect(res.err.join('')).toContain('exactly one of --approve or --reject');
  });
});
