/**
 * Fairness counters on the send path: a message counts for the execution's cohort only when it is
 * actually sent, once per step (never on a ledger replay), and a failing counter never fails or
 * re-sends the message.
 */
import { describe, expect, it } from 'vitest';
import { SendRequest } from '../../../shared/domain/channels/schemas.js';
import { send } from '../../../shared/domain/channels/send.js';
import type { CohortSendCounter } from '../../../shared/ports/channels.js';
import { memorySendDeps, recipient, request } from './support.js';

type Counted = Parameters<CohortSendCounter['countSend']>;

/** Send deps with a recording cohort counter (or one that fails). */
function withCounter(fail?: Error) {
  const s = memorySendDeps();
  const counted: Counted[] = [];
  const cohorts: CohortSendCounter = {
    countSend: async (...args) => {
      if (fail) throw fail;
      counted.push(args);
    },
  };
  return { ...s, deps: { ...s.deps, cohorts }, counted };
}

const cohort = { ageBand: '65+', region: 'north' };
const assignment = { cohort };

describe('fairness counts on the send path', () => {
  it('counts a Sent message once for the cohort, with an offer and its discount', async () => {
    const s = withCounter();
    const outcome = await send(s.deps, request({ assignment, action: 'offer', discount: 0.15 }));
    expect(outcome).toMatchObject({ outcome: 'Sent' });
    expect(s.counted).toEqual([['welcome', cohort, { offer: true, discount: 0.15 }]]);
  });

  it('counts a content message as a send without an offer, whatever discount it carries', async () => {
    const s = withCounter();
    await send(s.deps, request({ assignment, action: 'content', discount: 0.2 }));
    // Transactional, so the daily marketing email cap does not skip it.
    await send(s.deps, request({ assignment, executionId: 'exec-2', purpose: 'transactional' }));
    expect(s.counted).toEqual([
      ['welcome', cohort, { offer: false, discount: 0 }],
      ['welcome', cohort, { offer: false, discount: 0 }],
    ]);
  });

  it('does not count a message the guardrails skip', async () => {
    const s = withCounter();
    s.people.set('prof-1', recipient({ consent: {} }));
    expect(await send(s.deps, request({ assignment, action: 'offer', discount: 0.1 }))).toMatchObject({
      outcome: 'Skipped',
      reason: 'no_consent',
    });
    expect(s.counted).toEqual([]);
  });

  it('does not count a message the provider refuses', async () => {
    const s = withCounter();
    s.providers.next = { ok: false, retryable: false, reason: 'rejected' };
    expect(await send(s.deps, request({ assignment }))).toMatchObject({ outcome: 'Failed' });
    expect(s.counted).toEqual([]);
  });

  it('does not count a ledger replay of a step already sent', async () => {
    const s = withCounter();
    const first = await send(s.deps, request({ assignment, action: 'offer', discount: 0.1 }));
    const again = await send(s.deps, request({ assignment, action: 'offer', discount: 0.1 }));
    expect(again).toEqual(first);
    expect(s.providers.emails).toHaveLength(1);
    expect(s.counted).toHaveLength(1);
  });

  it('counts a step skipped for quiet hours once, when it is sent later', async () => {
    const s = withCounter();
    const late = '2024-05-15T03:30:00.000Z';
    expect(await send(s.deps, request({ channel: 'sms', assignment, at: late }))).toMatchObject({
      reason: 'quiet_hours',
    });
    expect(s.counted).toEqual([]);
    expect(await send(s.deps, request({ channel: 'sms', assignment }))).toMatchObject({ outcome: 'Sent' });
    expect(s.counted).toHaveLength(1);
  });

  it('counts nothing for an execution without a cohort (or with an empty one)', async () => {
    const s = withCounter();
    const transactional = { purpose: 'transactional' } as const; // no marketing caps in the way
    await send(s.deps, request({ ...transactional, action: 'offer', discount: 0.1 }));
    await send(s.deps, request({ ...transactional, executionId: 'exec-2', assignment: {} }));
    await send(s.deps, request({ ...transactional, executionId: 'exec-3', assignment: { cohort: {} } }));
    expect(s.providers.emails).toHaveLength(3);
    expect(s.counted).toEqual([]);
  });

  it('still returns Sent, sends once and logs no personal data when the counter fails', async () => {
    const s = withCounter(
      Object.assign(new Error('throttled: ageBand#65+'), { name: 'ThrottlingException' }),
    );
    const outcome = await send(s.deps, request({ assignment, action: 'offer', discount: 0.1 }));
    expect(outcome).toEqual({ outcome: 'Sent', messageId: 'm000001', providerId: 'prov-m000001' });
    expect([...s.ledger.entries.values()][0]).toMatchObject({ status: 'sent' });
    const warning = s.logs.find((l) => l.message === 'sent message count failed');
    expect(warning?.keys).toEqual({
      counter: 'CohortCountFailed',
      channel: 'email',
      journey: 'welcome',
      step: 'send-welcome',
      errorName: 'ThrottlingException',
    });
    expect(JSON.stringify(s.logs)).not.toMatch(/65\+|north|prof-1|Ada|example\.com/);
    expect(s.counts.get('CohortCountFailed|channel=email')).toBe(1);
    // The step's retry replays the ledger: no second message.
    expect(await send(s.deps, request({ assignment }))).toEqual(outcome);
    expect(s.providers.emails).toHaveLength(1);
  });

  it('works without a counter wired', async () => {
    const s = memorySendDeps();
    expect(await send(s.deps, request({ assignment, action: 'offer', discount: 0.1 }))).toMatchObject({
      outcome: 'Sent',
    });
  });
});

describe('content-bandit exposures on the send path', () => {
  function withBandit(fail?: Error) {
    const s = memorySendDeps();
    const exposures: [string, string, string][] = [];
    const bandit = {
      recordExposure: async (journey: string, step: string, variant: string) => {
        if (fail) throw fail;
        exposures.push([journey, step, variant]);
      },
    };
    return { ...s, deps: { ...s.deps, bandit }, exposures };
  }

  it('counts one exposure of the sent variant for the step that decided it, never on a replay', async () => {
    const s = withBandit();
    const sent = await send(s.deps, request({ decision: 'chooseAction' }));
    expect(sent).toMatchObject({ outcome: 'Sent' });
    expect(await send(s.deps, request({ decision: 'chooseAction' }))).toEqual(sent); // the step's retry
    expect(s.exposures).toEqual([['welcome', 'chooseAction', request().variant]]);
  });

  it('counts nothing for a skipped message, or a request that names no deciding step', async () => {
    const s = withBandit();
    s.people.set('prof-1', recipient({ consent: {} }));
    expect(await send(s.deps, request({ decision: 'chooseAction' }))).toMatchObject({ outcome: 'Skipped' });
    s.people.set('prof-1', recipient());
    expect(await send(s.deps, request({ executionId: 'exec-9' }))).toMatchObject({ outcome: 'Sent' });
    expect(s.exposures).toEqual([]);
  });

  it('still returns Sent when the bandit counter fails, and says so without personal data', async () => {
    const s = withBandit(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    expect(await send(s.deps, request({ decision: 'chooseAction' }))).toMatchObject({ outcome: 'Sent' });
    expect(s.counts.get('BanditCountFailed|channel=email')).toBe(1);
    expect(s.providers.emails).toHaveLength(1);
  });

  it('refuses a deciding step that is not a step id', () => {
    expect(SendRequest.safeParse({ ...request(), decision: 'a step' }).success).toBe(false);
  });
});

describe('send request: assignment, action and discount', () => {
  const base = request();

  it('keeps only the cohort of the assignment', () => {
    const parsed = SendRequest.parse({
      ...base,
      assignment: { arm: 'nba', reason: 'split', experiment: null, cohort },
      action: 'offer',
      discount: 0.1,
    });
    expect(parsed.assignment).toEqual({ cohort });
    expect(parsed).toMatchObject({ action: 'offer', discount: 0.1 });
    expect(SendRequest.parse({ ...base, assignment: { arm: 'holdout' } }).assignment).toEqual({});
    expect(SendRequest.parse(base).assignment).toBeUndefined();
  });

  it('rejects a discount outside [0, 1], an unknown action and an oversized cohort', () => {
    for (const bad of [
      { discount: 1.5 },
      { discount: -0.1 },
      { action: 'bribe' },
      { assignment: { cohort: { ageBand: 'x'.repeat(65) } } },
      { assignment: { cohort: { ['t'.repeat(65)]: 'x' } } },
      { assignment: { cohort: { '': 'x' } } },
      { assignment: { cohort: { ageBand: 65 } } },
      { assignment: { cohort: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v'])) } },
    ]) {
      expect(SendRequest.safeParse({ ...base, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
