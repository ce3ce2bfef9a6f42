/**
 * The fault suite (`npm run faults`): a realistic workload through the whole local runtime — content
 * generation, ingest, projection, the outbox, journeys, campaign runs and sends on three channels —
 * while every layer fails at once:
 *   SDK calls inside every function: DynamoDB throttled 5%, EventBridge 500s 5%, SES (the local
 *   outbox) timing out after delivery 10%, SNS (SMS and push) timing out after delivery 15%, Bedrock
 *   (the offline generator locally) failing 30% of attempts; the local bus failing 10% of PutEvents
 *   entries; the outbox publisher crashing after 10% of its invocations.
 * The workload: people identifying with and without email, SMS and push consent (some with a phone,
 * some with a device token), browsing, some resolving a support ticket (service follow-up sends a
 * transactional CSAT survey, consent or not); their onboarding journeys; an SMS and a push campaign
 * run for everyone.
 * It asserts what "nothing lost" means: every accepted event stored once; every domain event the
 * projection committed reaches the bus; nothing sent twice (a copy is explained only by a timed-out
 * provider call of a transactional message, re-sent under the same message id); nothing sent
 * without consent; every message due either sent or visibly accounted for (a reconciled "unknown"
 * send, a failed execution, a failure-queue entry); every draft generated after retries or refused
 * visibly. It prints the counts per channel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as feltfitRun } from '../../infra/cli/commands/run.js';
import { INJECTED_FAULTS_FILE } from '../../shared/adapters/outbox/faulty-senders.js';
import { listOutbox, type OutboxEntry } from '../../shared/adapters/outbox/outbox.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  adminPost,
  channelsConfigWithWideEmailCaps,
  eventually,
  executionsOf,
  profileOf,
  type StepBrief,
  scanTable,
} from './support/journeys.js';
import { deliveredEventIds, outboxEventIds } from './support/outbox.js';

const PEOPLE = Number(process.env.FAULTS_PEOPLE ?? 32);
const TIME_SCALE = 1 / 20_000;
const CHANNELS = ['email', 'sms', 'push'] as const;
type Channel = (typeof CHANNELS)[number];
const CSAT_SUBJECT = 'How did we do with your request?';
let rt: TestRuntime;

/**
 * One in four gives no email consent; every other person has a phone (one in four of those refuses
 * SMS), every third a device token (every other one of those refuses push); every odd person and
 * every eighth resolves a support ticket — some of them without any marketing consent.
 */
const people = Array.from({ length: PEOPLE }, (_, i) => ({
  userId: `faults-${i}`,
  email: `faults-${i}@example.com`,
  consents: i % 4 !== 0,
  phone: i % 2 === 0 ? `+1555${String(100_000 + i).padStart(7, '0')}` : undefined,
  sms: i % 2 === 0 && i % 8 !== 6,
  pushToken: i % 3 === 0 ? `faults-device-${i}` : undefined,
  push: i % 3 === 0 && i % 6 !== 3,
  ticket: i % 2 === 1 || i % 8 === 0 ? `t-faults-${i}` : undefined,
}));
type Person = (typeof people)[number];
const byProfile = new Map(people.map((p) => [profileOf(p.userId), p]));

function messagesOf(p: Person): Record<string, unknown>[] {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return [
    {
      type: 'identify',
      userId: p.userId,
      messageId: `${p.userId}-id`,
      traits: { email: p.email, firstName: 'Sam', ...(p.phone ? { phone: p.phone } : {}) },
      context: {
        consent: { categoryPreferences: { email: p.consents, sms: p.sms, push: p.push } },
        timezone: 'Europe/London',
        ...(p.pushToken ? { device: { token: p.pushToken, type: 'ios' } } : {}),
      },
    },
    ...[1, 2, 3].map((k) => ({
      type: 'track',
      userId: p.userId,
      messageId: `${p.userId}-pv${k}`,
      event: 'Product Viewed',
      properties: { product_id: `sku-${k}`, price: 12 * k },
    })),
    ...(p.ticket
      ? [
          ['Ticket Opened', 3],
          ['Ticket Resolved', 2],
        ].map(([event, minutesAgo]) => ({
          type: 'track',
          userId: p.userId,
          messageId: `${p.userId}-${String(event).replace(' ', '-')}`,
          event,
          properties: { ticket_id: p.ticket },
          timestamp: at(Number(minutesAgo)),
        }))
      : []),
  ];
}

/** Posts like the SDKs do: a batch refused with 429/503 is re-sent after Retry-After (same messageIds). */
async function postWithRetries(batch: Record<string, unknown>[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await rt.post('/v1/batch', { batch });
    if (res.status === 200) return attempt;
    if ((res.status !== 429 && res.status !== 503) || attempt >= 20)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Content generation under Bedrock faults: what the suite asked for and what it was answered. */
const drafts = { requested: 0, generated: 0, unavailable: 0 };

/**
 * Generates one draft for the brief and approves it as a reviewer would (the email's subject edited
 * so every step's email is recognisable). A 503 (generation unavailable after the generator's own
 * retries) is visible to the caller and asked again, as a person or a Step Functions Retry would.
 */
async function approveDraft(brief: StepBrief & { channel: Channel }, subject?: string): Promise<void> {
  drafts.requested++;
  let generated: Awaited<ReturnType<typeof adminPost>>;
  for (let attempt = 0; ; attempt++) {
    generated = await adminPost(rt, '/admin/content/generate', {
      journeyStep: brief.journeyStep,
      intent: brief.intent,
      channel: brief.channel,
      audience: { segment: 'fault-suite' },
      n: 1,
    });
    if (generated.status === 201) break;
    expect(generated.status, JSON.stringify(generated.body)).toBe(503);
    expect(generated.body.error.code).toBe('service_unavailable');
    drafts.unavailable++;
    if (attempt >= 10) throw new Error(`generate ${brief.journeyStep}: still unavailable`);
  }
  drafts.generated++;
  const id = String(generated.body.variants[0].id);
  const content = (await rt.admin(`/admin/content/${id}`)).body.variant.content as Record<string, unknown>;
  const review = await adminPost(rt, `/admin/content/${id}/review`, {
    decision: 'approve',
    comment: `approved for ${brief.journeyStep}`,
    reviewer: 'maria',
    ...(subject ? { edited: { ...content, subject } } : {}),
  });
  expect(review.status, JSON.stringify(review.body)).toBe(200);
}

/** Starts a one-message campaign run for everyone, as `npx feltfit run --message CHANNEL:INTENT` does. */
async function campaign(channel: Channel, intent: string): Promise<void> {
  const out: string[] = [];
  const code = await feltfitRun(['--message', `${channel}:${intent}`, '--rate', '200'], {
    out: (t) => out.push(t),
    err: (t) => out.push(t),
    env: { FELTFIT_DATA_DIR: rt.dataDir },
  });
  expect(code, out.join('')).toBe(0);
}

/** Messages in failure queues (the local queue store) and dead-letter files, by queue. */
async function failureQueues(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const q of await rt.queues.queues()) if (q.count) counts[q.name] = q.count;
  let files: string[] = [];
  try {
    files = readdirSync(join(rt.dataDir, 'dead-letters'));
  } catch {
    // No dead letters written.
  }
  for (const f of files)
    counts[`dead-letters/${f}`] = readFileSync(join(rt.dataDir, 'dead-letters', f), 'utf8')
      .split('\n')
      .filter(Boolean).length;
  return counts;
}

const running = () => [...rt.stepFunctions.executions.values()].filter((e) => e.status === 'RUNNING');

let ingestRetries = 0;
let injectedGenerationFaults = 0;

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: TIME_SCALE,
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
    faults: {
      sdk: {
        dynamodb: { fault: 'throttle', rate: 0.05 },
        eventbridge: { fault: 'error', rate: 0.05 },
        ses: { fault: 'timeout', rate: 0.1 },
        sns: { fault: 'timeout', rate: 0.15 },
        bedrock: { fault: 'error', rate: 0.3 },
      },
      putEventsFailureRate: 0.1,
      crashRate: { 'publish-domain-events': 0.1 },
      seed: 15,
    },
  });
  for (const [step, subject] of [
    ['welcome', 'Welcome, from all of us'],
    ['sendGuide', 'Your getting-started guide'],
    ['sendBestsellers', 'What others reorder'],
    ['firstOrderNudge', 'Ready for your first project?'],
  ] as const) {
    await approveDraft(
      { journeyStep: `onboarding/${step}`, intent: 'onboarding', channel: 'email' },
      subject,
    );
  }
  await approveDraft(
    { journeyStep: 'service-follow-up/askCsat', intent: 'service_follow_up', channel: 'email' },
    CSAT_SUBJECT,
  );
  await approveDraft(
    { journeyStep: 'service-follow-up/helpful', intent: 'service_follow_up', channel: 'email' },
    'Tips for your next project',
  );
  for (const channel of ['sms', 'push'] as const)
    await approveDraft({ journeyStep: 'campaign-message/send', intent: 'onboarding', channel });
  const generator = [...rt.functions.values()].find((f) => f.functionName === 'generate-content');
  try {
    injectedGenerationFaults = readFileSync(join(rt.logDir, `${generator?.logicalId}.log`), 'utf8')
      .split('\n')
      .filter((l) => l.includes('injected generation fault')).length;
  } catch {
    // No log: counted as none.
  }

  const messages = people.flatMap(messagesOf);
  for (let i = 0; i < messages.length; i += 24)
    ingestRetries += await postWithRetries(messages.slice(i, i + 24));
  await rt.settle(240_000);
  await campaign('sms', 'onboarding');
  await campaign('push', 'onboarding');
  // Every execution (onboarding, service follow-up, the campaign runs and their messages) ends —
  // succeeds or fails visibly — before anything is counted.
  const deadline = Date.now() + 300_000;
  while (running().length > 0) {
    if (Date.now() > deadline) {
      console.log(
        `fault suite: after 300 s, ${running().length} executions still running (${running()
          .map((e) => `${e.stateMachineArn.split(':').pop()}@${e.states.at(-1)}`)
          .join(', ')})`,
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await rt.settle(120_000);
}, 1_200_000);

afterAll(async () => {
  await rt?.stop();
});

interface LedgerRow {
  readonly pk: string;
  readonly step: string;
  readonly journey: string;
  readonly channel: Channel;
  readonly purpose: 'marketing' | 'transactional';
  readonly profileId: string;
  readonly st: string;
  readonly reason?: string;
  readonly messageId?: string;
}

describe('the fault suite: ingest, projection, outbox, journeys, campaigns and sends under injected failures', () => {
  it('stores every accepted event once', async () => {
    const ids = new Set(people.flatMap(messagesOf).map((m) => String(m.messageId)));
    const stored = (await scanTable(rt, 'EVENTS_TABLE', (i) => String(i.sk).startsWith('M#'))).map((i) =>
      String(i.sk).slice(2),
    );
    const ours = stored.filter((id) => ids.has(id));
    expect(new Set(ours).size).toBe(ids.size);
    expect(ours).toHaveLength(ids.size);
  });

  it('delivers every domain event the projection committed', async () => {
    const expected = await outboxEventIds(rt);
    expect([...expected.values()].filter((t) => t === 'ConsentChanged').length).toBeGreaterThan(0);
    const delivered = new Set(deliveredEventIds(rt.bus.history));
    expect([...expected.keys()].filter((id) => !delivered.has(id))).toEqual([]);
  });

  it('generates every draft after Bedrock retries, or refuses it visibly (503), never silently', () => {
    expect(drafts.generated).toBe(drafts.requested);
    // The generator's attempts are drawn from a seeded stream in one worker: the same faults each run.
    expect(injectedGenerationFaults).toBeGreaterThan(0);
  });

  it('sends nothing twice and nothing without consent, and accounts for every message due, on every channel', async () => {
    const outbox = await listOutbox(join(rt.dataDir, 'outbox'), { limit: 100_000 });
    const copies = new Map<string, OutboxEntry[]>();
    for (const m of outbox) copies.set(m.messageId, [...(copies.get(m.messageId) ?? []), m]);
    // Provider calls that timed out after delivering, by message id (the faulty outbox notes them).
    const timeouts = new Map<string, number>();
    let injected: { messageId: string; fault: string }[] = [];
    try {
      injected = readFileSync(join(rt.dataDir, 'outbox', INJECTED_FAULTS_FILE), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      // None injected.
    }
    for (const f of injected)
      if (f.fault === 'timeout') timeouts.set(f.messageId, (timeouts.get(f.messageId) ?? 0) + 1);
    const ledger = (await scanTable(rt, 'MESSAGES_TABLE', (i) => String(i.pk).startsWith('LEDGER#'))).map(
      (i) => i as unknown as LedgerRow,
    );
    const ledgerByMessage = new Map(ledger.filter((l) => l.messageId).map((l) => [l.messageId!, l]));
    const log = await scanTable(rt, 'MESSAGES_TABLE', (i) => String(i.pk).startsWith('MSGLOG#'));

    const zero = () => ({
      sent: 0,
      retried: 0,
      resent: 0,
      unknown: 0,
      failed: 0,
      lost: 0,
      duplicated: 0,
      withoutConsent: 0,
    });
    const counts: Record<Channel, ReturnType<typeof zero>> = { email: zero(), sms: zero(), push: zero() };
    const consentFor = (p: Person, c: Channel) =>
      c === 'email' ? p.consents : c === 'sms' ? p.sms && Boolean(p.phone) : p.push && Boolean(p.pushToken);

    // Every message in the outbox went out through the ledger, with consent (marketing) or an
    // address (transactional), and as many times as its timed-out provider calls explain.
    for (const [messageId, entries] of copies) {
      const l = ledgerByMessage.get(messageId);
      expect(l, `outbox message ${messageId} without a ledger entry`).toBeDefined();
      const c = l!.channel;
      const person = byProfile.get(l!.profileId);
      expect(person, `a message to someone outside the workload (${l!.profileId})`).toBeDefined();
      counts[c].sent++;
      if (l!.purpose === 'marketing' && !consentFor(person!, c)) counts[c].withoutConsent++;
      // A marketing send whose answer was lost is not sent again (one copy); a transactional one is
      // re-sent under the same message id until a call is answered: one copy per timed-out call, plus it.
      const explained = l!.purpose === 'transactional' ? (timeouts.get(messageId) ?? 0) + 1 : 1;
      counts[c].duplicated += Math.max(0, entries.length - explained);
      if (l!.purpose === 'transactional' && (timeouts.get(messageId) ?? 0) > 0) {
        // Sent exactly once after reconciliation: the ledger settled `sent`, every copy accounted for.
        expect(l!.st, messageId).toBe('sent');
        expect(entries).toHaveLength(explained);
        counts[c].resent++;
      }
    }
    for (const l of ledger) {
      if (l.st === 'unknown') counts[l.channel].unknown++;
      if (l.st === 'failed') counts[l.channel].failed++;
      // Recorded sent but not delivered: lost.
      if (l.st === 'sent' && !copies.has(l.messageId ?? '')) counts[l.channel].lost++;
    }
    // Sends that failed retryably and were sent later (the message log keeps both outcomes).
    const key = (e: Record<string, unknown>) => `${e.executionId}#${e.step}#${e.channel}`;
    const sentKeys = new Set(log.filter((e) => e.status === 'sent').map(key));
    for (const e of log)
      if (e.status === 'failed' && sentKeys.has(key(e))) counts[e.channel as Channel].retried++;

    // Every person due a message got it or it is visibly accounted for.
    const heldOut = async (journey: string) =>
      new Set(
        (await scanTable(rt, 'JOURNEYS_TABLE', (i) => i.pk === `ASSIGN#${journey}`))
          .filter((a) => a.started === false)
          .map((a) => String(a.profileId)),
      );
    const onboardingHeldOut = await heldOut('onboarding');
    // Service follow-up also sends marketing: the global control is held out of it too.
    const followUpHeldOut = await heldOut('service-follow-up');
    let holdouts = 0;
    let failedExecutions = 0;
    const visible = (l: LedgerRow | undefined) => l && ['unknown', 'failed', 'skipped'].includes(l.st);
    for (const p of people) {
      const profileId = profileOf(p.userId);
      const toThem = ledger.filter((l) => l.profileId === profileId);
      // Email: a consenting person's onboarding welcome (unless held out of the experiment).
      if (p.consents) {
        const runs = executionsOf(rt, 'onboarding', profileId);
        if (runs.length === 0 && onboardingHeldOut.has(profileId)) holdouts++;
        else if (runs.length === 0 || runs.some((e) => e.status === 'RUNNING')) counts.email.lost++;
        else {
          failedExecutions += runs.filter((e) => e.status !== 'SUCCEEDED').length;
          const welcome = toThem.find((l) => l.journey === 'onboarding' && l.step === 'welcome');
          const delivered = welcome?.st === 'sent' && copies.has(welcome.messageId ?? '');
          if (!delivered && !visible(welcome) && runs.every((e) => e.status === 'SUCCEEDED'))
            counts.email.lost++;
        }
      }
      // Transactional email: the CSAT survey after a resolved ticket, consent or not.
      if (p.ticket) {
        const runs = executionsOf(rt, 'service-follow-up', profileId, p.ticket);
        const survey = toThem.find((l) => l.journey === 'service-follow-up' && l.step === 'askCsat');
        failedExecutions += runs.filter((e) => e.status !== 'SUCCEEDED').length;
        const delivered = survey?.st === 'sent' && copies.has(survey.messageId ?? '');
        if (runs.length === 0 && followUpHeldOut.has(profileId)) holdouts++;
        else if (runs.length === 0 || (!delivered && runs.every((e) => e.status === 'SUCCEEDED')))
          counts.email.lost++;
        if (delivered) expect(copies.get(survey!.messageId!)![0]!.subject).toBe(CSAT_SUBJECT);
      }
      // SMS and push: the campaign message, where the person consented and has the address.
      for (const c of ['sms', 'push'] as const) {
        if (!consentFor(p, c)) continue;
        const runs = executionsOf(rt, 'campaign-message', profileId).filter(
          (e) => JSON.parse(e.input).trigger?.detail?.message?.channel === c,
        );
        failedExecutions += runs.filter((e) => e.status !== 'SUCCEEDED').length;
        const sent = toThem.find((l) => l.journey === 'campaign-message' && l.channel === c);
        const delivered = sent?.st === 'sent' && copies.has(sent.messageId ?? '');
        // No execution: in the global control or the run's holdout (assigned, not started).
        if (runs.some((e) => e.status === 'RUNNING')) counts[c].lost++;
        else if (
          runs.length > 0 &&
          !delivered &&
          !visible(sent) &&
          runs.every((e) => e.status === 'SUCCEEDED')
        ) {
          // The holdout arm ends without a send step.
          if (runs.some((e) => e.states.some((s) => s.startsWith('send')))) counts[c].lost++;
        }
      }
    }

    // Read like the console does; under injected DynamoDB throttles a read may answer 503 first.
    const overview = await eventually('the overview', async () => {
      const res = await rt.admin('/admin/overview');
      return res.status === 200 ? res.body : undefined;
    });
    const queues = await failureQueues();
    for (const c of CHANNELS) {
      const n = counts[c];
      console.log(
        `fault suite ${c}: sent ${n.sent}, retried ${n.retried}, reconciled resent ${n.resent} / unknown ${n.unknown}, ` +
          `failed ${n.failed}, lost ${n.lost}, duplicated ${n.duplicated}, without consent ${n.withoutConsent}`,
      );
    }
    console.log(
      `fault suite: ${PEOPLE} people (${holdouts} held out of onboarding or follow-up), ingest retries ${ingestRetries}, ` +
        `drafts ${drafts.generated}/${drafts.requested} (injected generation faults ${injectedGenerationFaults}, ` +
        `answered 503 ${drafts.unavailable}), provider faults injected ${injected.length}, ` +
        `failed executions ${failedExecutions}, async retries ${rt.asyncInvoker.stats.retried}, stream retries ` +
        `${rt.streams.stats.retried}, failure queues ${JSON.stringify(queues)}, ` +
        `overview reconciled ${JSON.stringify(overview.messages.reconciled)}`,
    );
    for (const c of CHANNELS) {
      expect(counts[c].sent, `${c} sent`).toBeGreaterThan(0);
      expect(counts[c].duplicated, `${c} duplicated`).toBe(0);
      expect(counts[c].withoutConsent, `${c} without consent`).toBe(0);
      expect(counts[c].lost, `${c} lost`).toBe(0);
    }
    // The transactional resend is counted where an operator looks: the overview.
    const resent = CHANNELS.reduce((n, c) => n + counts[c].resent, 0);
    expect(overview.messages.reconciled.resent).toBeGreaterThanOrEqual(resent);
  });
});
