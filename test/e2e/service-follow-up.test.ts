import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

// A day of journey time in about 4 s.
const TIME_SCALE = 1 / 20_000;
let rt: TestRuntime;

async function adminPost(path: string, body: unknown) {
  const res = await fetch(`${rt.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function outboxFor(email: string) {
  return (await listOutbox(`${rt.dataDir}/outbox`)).filter((e) => e.to.includes(email));
}

async function waitForMessages(email: string, count: number, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while ((await outboxFor(email)).length < count) {
    if (Date.now() > deadline)
      throw new Error(`fewer than ${count} messages to ${email} within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return outboxFor(email);
}

beforeAll(async () => {
  rt = await startTestRuntime({ timeScale: TIME_SCALE });
  const generated = await adminPost('/admin/content/generate', {
    journeyStep: 'service-follow-up',
    intent: 'service_follow_up',
    channel: 'email',
    audience: { segment: 'recent-support-contacts' },
    n: 1,
  });
  expect(generated.status).toBe(201);
  const review = await adminPost(`/admin/content/${generated.body.variants[0].id}/review`, {
    decision: 'approve',
    comment: 'kind and useful',
    reviewer: 'maria',
  });
  expect(review.status).toBe(200);
});
afterAll(async () => {
  await rt?.stop();
});

describe('service follow-up through the local runtime', () => {
  it('asks for CSAT after a resolved ticket and, after a bad score, follows up without an offer', async () => {
    const userId = 'svc-user-1';
    const email = 'svc-user-1@example.com';
    const post = async (path: string, body: object) =>
      expect((await rt.post(path, { userId, ...body })).status).toBe(200);
    await post('/v1/identify', {
      traits: { email },
      context: { consent: { categoryPreferences: { email: true } } },
    });
    await post('/v1/track', { event: 'Ticket Opened', properties: { ticket_id: 't-1' } });
    await post('/v1/track', { event: 'Ticket Resolved', properties: { ticket_id: 't-1' } });
    await rt.settle();

    const [survey] = await waitForMessages(email, 1);
    expect(survey).toBeDefined();
    const executions = [...rt.stepFunctions.executions.values()].filter((e) => e.input.includes('t-1'));
    expect(executions).toHaveLength(1);

    await post('/v1/track', { event: 'CSAT Submitted', properties: { ticket_id: 't-1', score: 1 } });
    await rt.settle();
    await executions[0]!.done;
    expect(executions[0]!.status).toBe('SUCCEEDED');
    const output = JSON.parse(executions[0]!.output!);
    expect(output.events.waitCsat.detail).toMatchObject({ ticketId: 't-1', score: 1 });
    // The bad-experience branch: an apology, never the decide step that may offer a perk.
    expect(executions[0]!.states.some((s) => s.startsWith('apology'))).toBe(true);
    expect(executions[0]!.states.some((s) => s.startsWith('perk'))).toBe(false);
    expect(await outboxFor(email)).toHaveLength(2);
  });
});
