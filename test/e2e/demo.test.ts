import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REVIEWER, run } from '../../infra/cli/commands/demo.js';
import { DemoOptions } from '../../shared/domain/demo/people.js';
import { type DemoChunk, demoStream } from '../../shared/domain/demo/store.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

// The demo's clock is injected, so the test knows exactly which store it posted.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ARGS = ['--people', '50', '--days', '30', '--seed', 'e2e'];
const STORE: DemoChunk[] = [
  ...demoStream(DemoOptions.parse({ people: 50, days: 30, seed: 'e2e', now: NOW.getTime() })),
];
const people = STORE.flatMap((c) => (c.kind === 'person' ? [c] : []));
const badIds = STORE.flatMap((c) => (c.kind === 'bad' ? [c.messages[0]!.messageId as string] : []));

let rt: TestRuntime;
let code: number;
let out = '';
let err = '';

beforeAll(async () => {
  rt = await startTestRuntime();
  code = await run([...ARGS, '--url', rt.url], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { FELTFIT_DATA_DIR: rt.dataDir, FELTFIT_WRITE_KEY: rt.writeKey, FELTFIT_ADMIN_TOKEN: rt.adminToken },
    errIsTty: false,
    now: () => NOW,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  // The projector works through about a thousand events on DynamoDB Local; more than the 30 s default.
  await rt.settle(120_000);
});
afterAll(async () => {
  await rt?.stop();
});

describe('feltfit demo against the local runtime', () => {
  it('posts the store through the public ingest and prints a summary with the console URL', () => {
    expect({ code, err: err.includes('feltfit demo:') ? err : '' }).toEqual({ code: 0, err: '' });
    const sent = STORE.reduce((s, c) => s + c.messages.length, 0);
    expect(out).toContain('people       50');
    expect(out).toContain(
      `events       ${(sent - badIds.length).toLocaleString('en-US')} accepted, ${badIds.length} quarantined`,
    );
    expect(out).toContain(`console      ${rt.url}/?token=${encodeURIComponent(rt.adminToken)}`);
    // Not a terminal: plain progress lines, ending at 100%.
    expect(err).toMatch(/demo: 100% {2}50\/50 people/);
  });

  it('builds profiles with the orders, traits and consent each person’s events carry', async () => {
    const customer = people.find(
      (p) => p.person.purchases && p.person.consent?.email && !p.person.consent.withdrawal,
    )!;
    const { status, body } = await rt.admin(`/admin/profiles?type=userId&value=${customer.person.userId}`);
    expect(status).toBe(200);
    expect(body.profile.traits).toMatchObject({
      email: customer.person.email,
      firstName: customer.person.firstName,
    });
    expect(body.profile.features.purchases.orderCount).toBe(customer.person.purchases!.orderValues.length);
    expect(body.profile.features.timezone).toBe(customer.person.timezone);
    expect(body.profile.features.consent['email:marketing']).toBe(
      customer.person.consent!.unsubscribeAt === undefined,
    );
  });

  it('stores every event of a person', async () => {
    const person = people.find((p) => p.person.signUpAt !== undefined)!;
    const { body } = await rt.admin(`/admin/events?userId=${person.person.userId}&limit=1000`);
    const expected = person.messages.filter((m) => m.userId === person.person.userId).map((m) => m.messageId);
    expect((body.events as { messageId: string }[]).map((e) => e.messageId).sort()).toEqual(
      [...expected].sort(),
    );
  });

  it('quarantines exactly the deliberately bad messages, the oversize one among them', async () => {
    const { body } = await rt.admin('/admin/quarantine?limit=1000');
    const quarantined = (body.items as { messageId?: string }[]).map((i) => i.messageId).filter(Boolean);
    expect(quarantined.sort()).toEqual([...badIds].sort());
    expect(body.countsByReason).toMatchObject({ message_too_large: 1, invalid_message: badIds.length - 1 });
  });

  it('approves starter copy as Demo Reviewer, with an audit trail, and leaves a few variants pending', async () => {
    const approved = (await rt.admin('/admin/content?status=approved&limit=100')).body.variants as {
      id: string;
      review?: { reviewer: string };
    }[];
    expect(approved.length).toBeGreaterThan(10);
    expect(approved.every((v) => v.review?.reviewer === DEMO_REVIEWER)).toBe(true);
    const { body } = await rt.admin(`/admin/content/${approved[0]!.id}`);
    expect(body.audit).toContainEqual(
      expect.objectContaining({
        kind: 'reviewed',
        reviewer: DEMO_REVIEWER,
        decision: 'approve',
        to: 'approved',
      }),
    );
    const pending = (await rt.admin('/admin/content?status=pending_review')).body.variants;
    expect(pending).toHaveLength(3);
    expect(err).toMatch(/content: \d+ generated, \d+ approved by Demo Reviewer, 3 pending review/);
  });

  it('asks for model training, or says in one line that this Feltfit cannot train yet', () => {
    expect(err).toMatch(
      /demo: model training (requested|is not available on this Feltfit \(404\); skipped)\n/,
    );
  });

  it('refuses a bad flag with exit 2 and one line naming it, before posting anything', async () => {
    let message = '';
    const io = {
      out: () => {},
      err: (t: string) => {
        message += t;
      },
      env: { FELTFIT_WRITE_KEY: rt.writeKey, FELTFIT_ADMIN_TOKEN: rt.adminToken },
      errIsTty: false,
      now: () => NOW,
      sleep: async () => {},
    };
    expect(await run(['--people', 'many', '--url', rt.url], io)).toBe(2);
    expect(message).toBe('feltfit demo: --people must be a whole number\n');
    message = '';
    expect(await run(['--peeple', '5'], io)).toBe(2);
    expect(message).toBe('feltfit demo: unknown option --peeple (see feltfit demo --help)\n');
    message = '';
    expect(await run(['--url', rt.url], { ...io, env: {} })).toBe(2);
    expect(message).toMatch(/^feltfit demo: no credentials: set FELTFIT_WRITE_KEY and FELTFIT_ADMIN_TOKEN/);
  });
});
