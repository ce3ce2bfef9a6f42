import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  adminPost,
  eventually,
  finished,
  ledgerOf,
  outboxFor,
  outputOf,
  personIn,
  profileOf,
  startedExecution,
  waitForMessages,
} from './support/journeys.js';

// A day of journey time in about 4 s.
const TIME_SCALE = 1 / 20_000;
let rt: TestRuntime;

/** A consented person whose ticket was opened and resolved: service follow-up starts for the ticket. */
async function resolveTicket(userId: string, ticketId: string) {
  const email = `${userId}@example.com`;
  const post = async (path: string, body: object) =>
    expect((await rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email },
    context: { consent: { categoryPreferences: { email: true } } },
  });
  await post('/v1/track', { event: 'Ticket Opened', properties: { ticket_id: ticketId } });
  await post('/v1/track', { event: 'Ticket Resolved', properties: { ticket_id: ticketId } });
  await rt.settle();
  return email;
}

beforeAll(async () => {
  rt = await startTestRuntime({ timeScale: TIME_SCALE });
  const generated = await adminPost(rt, '/admin/content/generate', {
    journeyStep: 'service-follow-up',
    intent: 'service_follow_up',
    channel: 'email',
    audience: { segment: 'recent-support-contacts' },
    n: 1,
  });
  expect(generated.status).toBe(201);
  const review = await adminPost(rt, `/admin/content/${generated.body.variants[0].id}/review`, {
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
    const email = await resolveTicket(userId, 't-1');

    const [survey] = await waitForMessages(rt, email, 1);
    expect(survey).toBeDefined();
    const executions = [...rt.stepFunctions.executions.values()].filter((e) => e.input.includes('t-1'));
    expect(executions).toHaveLength(1);

    expect(
      (
        await rt.post('/v1/track', {
          userId,
          event: 'CSAT Submitted',
          properties: { ticket_id: 't-1', score: 1 },
        })
      ).status,
    ).toBe(200);
    await rt.settle();
    await executions[0]!.done;
    expect(executions[0]!.status).toBe('SUCCEEDED');
    const output = JSON.parse(executions[0]!.output!);
    expect(output.events.waitCsat.detail).toMatchObject({ ticketId: 't-1', score: 1 });
    // The bad-experience branch: an apology, never the decide step that may offer a perk.
    expect(executions[0]!.states.some((s) => s.startsWith('apology'))).toBe(true);
    expect(executions[0]!.states.some((s) => s.startsWith('perk'))).toBe(false);
    expect(await outboxFor(rt, email)).toHaveLength(2);
  });

  it('ends without a follow-up when the ticket is reopened while it waits for the CSAT answer', async () => {
    const userId = personIn({ 'service-follow-up': 'default' }, 'svc-reopen');
    const email = await resolveTicket(userId, 't-2');
    const execution = await startedExecution(rt, 'service-follow-up', profileOf(userId), 't-2');
    await waitForMessages(rt, email, 1);
    // The survey is out and the journey waits (up to three days) for this ticket's CSAT.
    await eventually('the CSAT wait', () =>
      execution.states.at(-1) === 'waitCsat.WaitForEvent' ? true : undefined,
    );
    expect(
      (await rt.post('/v1/track', { userId, event: 'Ticket Reopened', properties: { ticket_id: 't-2' } }))
        .status,
    ).toBe(200);
    await rt.settle();
    await finished(execution);

    expect(execution.status).toBe('SUCCEEDED');
    // No answer came, so the wait timed out; the exit check then found the reopened ticket.
    expect(outputOf(execution).exitCheck).toMatchObject({ exit: true, reason: 'exit_on_TicketReopened' });
    expect(execution.states.at(-1)).toBe('waitCsat.TimedOut.CheckExit');
    expect(execution.states.filter((s) => /^(apology|perk|sendPerk|helpful)\./.test(s))).toEqual([]);
    expect((await ledgerOf(rt, execution)).map((l) => [l.step, l.st])).toEqual([['askCsat', 'sent']]);
    expect(await outboxFor(rt, email)).toHaveLength(1);
  });
});
