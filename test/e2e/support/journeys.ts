/**
 * Helpers shared by the journey e2e tests: who lands in which arm, approving content through the admin
 * API, finding a journey's executions, what the send ledger and the outbox say a journey sent, and
 * polling with a deadline (never a sleep as an assertion).
 */
import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalExecution } from '../../../infra/local/step-functions.js';
import { listOutbox, type OutboxEntry } from '../../../shared/adapters/outbox/outbox.js';
import { ChannelsConfig, defaultChannelsConfig } from '../../../shared/config/channels.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { assign } from '../../../shared/domain/experiments/assignment.js';
import type { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { experimentOf, isMarketing } from '../../../shared/domain/journeys/start.js';
import { profileIdFor } from '../../../shared/domain/profiles/identifiers.js';
import { testHasher } from '../../support/hasher.js';
import type { TestRuntime } from '../../support/runtime.js';

/** The catalogue journey with this id (as deployed: the default journeys configuration). */
export function catalogueJourney(id: string): JourneyDefinition {
  const journey = defaultJourneysConfig.journeys.find((j) => j.id === id);
  if (!journey) throw new Error(`no journey '${id}' in the catalogue`);
  return journey;
}

/**
 * The profile id the projector gives a person known by this user id: keyed, under the key the test
 * runtime seeds (TEST_HASH_KEY, test/support/local-hash-key.ts).
 */
export const profileOf = (userId: string): string =>
  profileIdFor({ type: 'userId', value: userId }, testHasher);

/**
 * A user id whose profile lands in the named arm of every listed journey (`default` for a journey
 * without a split). Assignment is a hash of the profile id, as start-journey computes it, so the
 * person is searched rather than chosen; global-control members never match a marketing journey.
 * `profileOfCandidate` names the profile a candidate gets (default: a user id's).
 */
export function personIn(
  arms: Readonly<Record<string, string>>,
  prefix: string,
  profileOfCandidate: (candidate: string) => string = profileOf,
): string {
  const wanted = Object.entries(arms).map(([id, arm]) => ({ journey: catalogueJourney(id), arm }));
  for (let i = 0; i < 20_000; i++) {
    const userId = `${prefix}-${i}`;
    const profileId = profileOfCandidate(userId);
    const fits = wanted.every(
      ({ journey, arm }) =>
        assign(defaultJourneysConfig.experiments.globalControl, experimentOf(journey), profileId, {
          marketing: isMarketing(journey),
        }).arm === arm,
    );
    if (fits) return userId;
  }
  throw new Error(`no person in ${JSON.stringify(arms)}`);
}

/** POST a JSON body to an admin route with the bearer token. */
export async function adminPost(rt: TestRuntime, path: string, body: unknown) {
  const res = await fetch(`${rt.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** What a content brief needs here; the admin API fills in the rest. */
export interface StepBrief {
  /** `<journey>/<step>`: the send step this copy is written for (preferred over copy for the intent). */
  readonly journeyStep: string;
  readonly intent: string;
  readonly channel?: string;
  readonly segment?: string;
  readonly product?: { readonly name: string; readonly facts?: readonly string[] };
}

/** An approved email variant: its id and the subject the reviewer approved. */
export interface ApprovedEmail {
  readonly id: string;
  readonly subject: string;
}

/**
 * Generates one variant offline for the brief and approves it as a person would, with the subject
 * edited to `subject` so every step's email is recognisable in the outbox (the edit is re-checked by
 * the review, as any human edit is).
 */
export async function approveEmail(
  rt: TestRuntime,
  brief: StepBrief,
  subject: string,
): Promise<ApprovedEmail> {
  const generated = await adminPost(rt, '/admin/content/generate', {
    journeyStep: brief.journeyStep,
    intent: brief.intent,
    channel: brief.channel ?? 'email',
    audience: { segment: brief.segment ?? 'journey-e2e' },
    ...(brief.product ? { product: brief.product } : {}),
    n: 1,
  });
  if (generated.status !== 201) throw new Error(`generate ${brief.journeyStep}: ${generated.status}`);
  const id = String(generated.body.variants[0].id);
  const current = (await rt.admin(`/admin/content/${id}`)).body.variant as {
    content: Record<string, unknown>;
  };
  const review = await adminPost(rt, `/admin/content/${id}/review`, {
    decision: 'approve',
    comment: `subject reworded for ${brief.journeyStep}`,
    reviewer: 'maria',
    edited: { ...current.content, subject },
  });
  if (review.status !== 200)
    throw new Error(`review ${brief.journeyStep}: ${review.status} ${JSON.stringify(review.body)}`);
  const stored = await rt.admin(`/admin/content/${id}`);
  return { id, subject: String(stored.body.variant.content.subject) };
}

/** Emails and other messages in the local outbox addressed to `address`, newest first. */
export async function outboxFor(rt: TestRuntime, address: string): Promise<OutboxEntry[]> {
  return (await listOutbox(`${rt.dataDir}/outbox`, { limit: 1_000 })).filter((e) => e.to.includes(address));
}

/** Polls `probe` every 200 ms until it returns a value other than undefined; fails after `seconds`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  seconds = 60,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until at least `count` messages to `address` are in the outbox; returns them (newest first). */
export function waitForMessages(rt: TestRuntime, address: string, count: number, seconds = 60) {
  return eventually(
    `${count} message(s) to ${address}`,
    async () => {
      const messages = await outboxFor(rt, address);
      return messages.length >= count ? messages : undefined;
    },
    seconds,
  );
}

interface JourneyInput {
  readonly profileId: string;
  readonly journey: string;
  readonly entryKey: string | null;
}

/** Executions of a journey for a profile (and entry key, when given), oldest first. */
export function executionsOf(
  rt: TestRuntime,
  journey: string,
  profileId: string,
  entryKey?: string,
): LocalExecution[] {
  return [...rt.stepFunctions.executions.values()]
    .filter((e) => e.stateMachineArn.endsWith(`:stateMachine:feltfit-${journey}`))
    .filter((e) => {
      const input = JSON.parse(e.input) as JourneyInput;
      return input.profileId === profileId && (entryKey === undefined || input.entryKey === entryKey);
    })
    .sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
}

/** The single execution of a journey for a profile (and entry key), once start-journey has started it. */
export function startedExecution(
  rt: TestRuntime,
  journey: string,
  profileId: string,
  entryKey?: string,
  seconds = 30,
): Promise<LocalExecution> {
  return eventually(
    `${journey} started for ${profileId}`,
    () => {
      const found = executionsOf(rt, journey, profileId, entryKey);
      if (found.length > 1) throw new Error(`${found.length} ${journey} executions for ${profileId}`);
      return found[0];
    },
    seconds,
  );
}

/** Waits for an execution to end; fails with its last states when it does not within `seconds`. */
export async function finished(execution: LocalExecution, seconds = 60): Promise<LocalExecution> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${execution.name} still ${execution.status} after ${seconds} s: ${execution.states.join(' → ')}`,
          ),
        ),
      seconds * 1000,
    );
  });
  try {
    await Promise.race([execution.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return execution;
}

/** The execution's final state document (its output), parsed. */
export function outputOf(execution: LocalExecution): Record<string, any> {
  if (execution.output === undefined)
    throw new Error(`${execution.name} has no output (${execution.status})`);
  return JSON.parse(execution.output) as Record<string, any>;
}

const localClient = (rt: TestRuntime) =>
  new DynamoDBClient({
    endpoint: rt.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/** One entry of the send ledger (messages table, `LEDGER#<executionId>`). */
export interface LedgerItem {
  readonly step: string;
  readonly journey: string;
  readonly st: 'skipped' | 'sending' | 'sent' | 'failed';
  readonly variantId?: string;
  readonly messageId?: string;
  readonly reason?: string;
  /** When the send was decided (ISO-8601). */
  readonly at: string;
}

/**
 * What the send function decided for every send step of an execution: the ledger is keyed by the
 * execution, so it tells which journey a message in the outbox came from.
 */
export async function ledgerOf(rt: TestRuntime, execution: LocalExecution): Promise<LedgerItem[]> {
  const client = localClient(rt);
  try {
    const out = await client.send(
      new QueryCommand({
        TableName: rt.tables.MESSAGES_TABLE!,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `LEDGER#${execution.executionArn}` } },
      }),
    );
    return (out.Items ?? []).map((i) => unmarshall(i) as LedgerItem);
  } finally {
    client.destroy();
  }
}

/** The messages an execution sent, in the order it sent them, each with its outbox entry. */
export async function sentBy(
  rt: TestRuntime,
  execution: LocalExecution,
  address: string,
): Promise<{ step: string; variantId?: string; subject?: string }[]> {
  const outbox = await outboxFor(rt, address);
  const sent = (await ledgerOf(rt, execution)).filter((l) => l.st === 'sent');
  return sent
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((l) => {
      const message = outbox.find((m) => m.messageId === l.messageId);
      return {
        step: l.step,
        ...(l.variantId ? { variantId: l.variantId } : {}),
        ...(message?.subject !== undefined ? { subject: message.subject } : {}),
      };
    });
}

/** Items of a table (by the env var functions read its name from) that `keep` accepts. */
export async function scanTable(
  rt: TestRuntime,
  tableEnv: string,
  keep: (item: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>[]> {
  const client = localClient(rt);
  try {
    const out = await client.send(new ScanCommand({ TableName: rt.tables[tableEnv]! }));
    return (out.Items ?? []).map((i) => unmarshall(i)).filter(keep);
  } finally {
    client.destroy();
  }
}

/**
 * `CHANNELS_CONFIG` with the default channels configuration except wider marketing-email caps.
 *
 * Contact-pressure caps (1 marketing email a day, 3 a week by default) count real time, while a
 * test's journey waits are compressed by its time scale: a series meant to span a week happens in
 * seconds, and every email after the first would be capped. Widening the caps is what an operator's
 * deploy with another channels configuration does; every other setting keeps its default.
 */
export function channelsConfigWithWideEmailCaps(): string {
  return JSON.stringify(
    ChannelsConfig.parse({
      ...defaultChannelsConfig,
      caps: {
        ...defaultChannelsConfig.caps,
        email: [
          { windowHours: 24, max: 20, reserved: 0 },
          { windowHours: 24 * 7, max: 50, reserved: 1 },
        ],
      },
    }),
  );
}
