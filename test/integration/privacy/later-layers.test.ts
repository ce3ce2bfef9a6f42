import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbMessageOutcomeLog } from '../../../shared/adapters/dynamodb/activity-store.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import {
  DynamoDbDecisionLog,
  DynamoDbEventOccurrences,
  DynamoDbMergeAliases,
  DynamoDbWaitTokens,
} from '../../../shared/adapters/dynamodb/journey-store.js';
import { DynamoDbInboxStore } from '../../../shared/adapters/dynamodb/message-inbox.js';
import { DynamoDbErasureAudit } from '../../../shared/adapters/dynamodb/privacy-audit.js';
import { laterLayerHolders } from '../../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { DynamoDbPrivacyJobStore } from '../../../shared/adapters/dynamodb/privacy-jobs.js';
import { readExportResult, runPrivacyJobStep, startPrivacyJob } from '../../../shared/domain/privacy/jobs.js';
import { profileIdHash } from '../../../shared/domain/privacy/person.js';
import type { Person } from '../../../shared/ports/privacy.js';
import { createTestTables, localClient } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { memoryDirectory, memoryTombstones, profile } from '../../unit/privacy/support.js';
import { uid } from './support.js';

let tables: Awaited<ReturnType<typeof createTestTables>>['tables'];
/** The client the holders use: it refuses every Scan, so a holder that scans fails the test. */
let guarded: ReturnType<typeof documentClient>;
/** The test's own client, which may scan to check what is left. */
let checker: ReturnType<typeof documentClient>;
const commands: string[] = [];

beforeAll(async () => {
  const t = await createTestTables();
  tables = t.tables;
  checker = documentClient(t.client);
  const raw = localClient();
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      if (context.commandName === 'ScanCommand') throw new Error('erasure and export must not scan');
      return next(args);
    },
    { step: 'initialize', name: 'refuseScans' },
  );
  guarded = documentClient(raw);
});

const AT = '2024-06-01T10:00:00.000Z';

/** Writes what channels and journeys keep about a profile, through their adapters where they have one. */
async function seed(profileId: string, executionName: string, messageId: string) {
  const messages = { client: checker, tableName: tables.messages };
  const journeys = { client: checker, tableName: tables.journeys };
  await new DynamoDbInboxStore({ ...messages, retentionDays: 30 }).put({
    profileId,
    messageId,
    title: 'Hello',
    body: 'Welcome',
    journey: 'onboarding',
    variantId: 'v1',
    createdAt: AT,
  } as never);
  await new DynamoDbMessageOutcomeLog({ ...messages, retentionDays: 30 }).record({
    profileId,
    at: AT,
    channel: 'email',
    journey: 'onboarding',
    step: 'welcome',
    executionId: executionName,
    status: 'sent',
  });
  const put = (tableName: string, Item: Record<string, unknown>) =>
    checker.send(new PutCommand({ TableName: tableName, Item }));
  // The ledger entry (by execution) names the profile in an attribute and the message id, whose index item does not.
  await put(tables.messages, {
    pk: `LEDGER#${executionName}`,
    sk: 'welcome#email',
    profileId,
    messageId,
    st: 'sent',
  });
  await put(tables.messages, { pk: `MSG#${messageId}`, sk: 'MSG', executionId: executionName });
  await put(tables.messages, { pk: `PRESSURE#${profileId}`, sk: 'email', s: [], v: 1 });
  await put(tables.messages, { pk: `SUP#P#${profileId}`, sk: 'email#unsubscribed', channel: 'email' });

  await new DynamoDbWaitTokens(journeys).put({
    profileId,
    event: 'Order Completed',
    journey: 'onboarding',
    executionId: executionName,
    step: 'wait-order',
    token: 'tok',
    until: '2024-06-03T10:00:00.000Z',
  });
  await new DynamoDbEventOccurrences({ ...journeys, retentionDays: 30 }).record({
    profileId,
    event: 'Order Completed',
    eventId: uid('ev'),
    at: AT,
    keys: { orderId: 'o-1' },
    facts: { revenue: 5 },
  });
  await new DynamoDbDecisionLog({ ...journeys, retentionDays: 30 }).record({
    decisionId: uid('d'),
    profileId,
    journey: 'onboarding',
    step: 'welcome',
    executionId: executionName,
    at: AT,
    explanation: { arm: 'treatment' },
  });
  await put(tables.journeys, {
    pk: `EXPOSURE#${profileId}`,
    sk: `${AT}#${executionName}`,
    profileId,
    executionName,
    journey: 'onboarding',
  });
  await put(tables.journeys, { pk: `CREDIT#${executionName}`, sk: 'TOTAL', revenue: 5 });
  await put(tables.journeys, { pk: `CREDIT#${executionName}`, sk: 'CONV#o-1', revenue: 5 });
  await put(tables.journeys, { pk: `CONVERSION#${profileId}`, sk: `${AT}#o-1`, revenue: 5 });
  await put(tables.journeys, { pk: `CUSTOMER#${profileId}`, sk: 'ORDERS#1' });
}

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await checker.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

function person(profileId: string, merged: string[]): Person {
  return {
    profileId,
    mergedProfileIds: merged,
    userIds: [],
    anonymousIds: [],
    emails: [],
    phones: [],
    deviceIds: [],
  };
}

describe('the messages and journeys holders', () => {
  it('export and erase every item of the person and its merged profile through keys and the byProfile index, without a scan', async () => {
    const [live, merged, bystander] = [uid('pf'), uid('pf'), uid('pf')];
    const [liveRun, mergedRun, bystanderRun] = [uid('ex'), uid('ex'), uid('ex')];
    await seed(live, liveRun, uid('m'));
    await seed(merged, mergedRun, uid('m'));
    await seed(bystander, bystanderRun, uid('m'));
    await new DynamoDbMergeAliases({ client: checker, tableName: tables.journeys, retentionDays: 30 }).record(
      merged,
      live,
      AT,
    );
    // Kept on purpose: an address-level opt-out outlives the person's data and names no profile.
    await checker.send(
      new PutCommand({ TableName: tables.messages, Item: { pk: 'SUP#A#abc', sk: 'unsubscribed' } }),
    );
    const holders = laterLayerHolders(guarded, { messages: tables.messages, journeys: tables.journeys });
    const who = person(live, [merged]);
    commands.length = 0;

    const exported = Object.fromEntries(
      await Promise.all(holders.map(async (h) => [h.name, (await h.export(who)) as unknown[]] as const)),
    );
    // Per profile: inbox, person log, ledger, message index, pressure, suppression (6 messages items);
    // wait, occurrence, decision, exposure, 2 credits, conversion, customer (8 journeys items) + the alias.
    expect(exported.messages).toHaveLength(12);
    expect(exported.journeys).toHaveLength(17);
    expect(JSON.stringify(exported)).not.toContain(bystander);

    const counts = await Promise.all(holders.map((h) => h.erase(who)));
    expect(counts).toEqual([12, 17]);
    expect(commands).not.toContain('ScanCommand');
    expect(commands).toContain('QueryCommand');

    const left = [...(await scanAll(tables.messages)), ...(await scanAll(tables.journeys))].map((i) =>
      JSON.stringify(i),
    );
    for (const text of left) {
      expect(text).not.toContain(live);
      expect(text).not.toContain(merged);
      expect(text).not.toContain(liveRun);
      expect(text).not.toContain(mergedRun);
    }
    expect(left.filter((t) => t.includes(bystander) || t.includes(bystanderRun)).length).toBeGreaterThan(10);
    expect(left.some((t) => t.includes('SUP#A#abc'))).toBe(true);
    // Erasing again finds nothing.
    await expect(Promise.all(holders.map((h) => h.erase(who)))).resolves.toEqual([0, 0]);
  });
});

describe('privacy jobs on DynamoDB Local', () => {
  function jobDeps(live: string, merged: string) {
    const directory = memoryDirectory(
      [
        profile(live, { userId: [uid('u')] }),
        profile(merged, { anonymousId: [uid('a')] }, { mergedInto: live }),
      ],
      [[live, merged, 'merged']],
    );
    const started: string[] = [];
    return {
      started,
      deps: {
        directory,
        tombstones: memoryTombstones(),
        holders: laterLayerHolders(guarded, { messages: tables.messages, journeys: tables.journeys }),
        audit: new DynamoDbErasureAudit({ client: guarded, tableName: tables.control }),
        jobs: new DynamoDbPrivacyJobStore({ client: guarded, tableName: tables.control }),
        runner: { start: async (id: string, attempt: number) => void started.push(`${id}-${attempt}`) },
        hasher: testHasher,
        now: () => new Date(AT),
      },
    };
  }

  it('runs an erasure step by step, keeping progress per holder in the control table, without a scan', async () => {
    const [live, merged] = [uid('pf'), uid('pf')];
    await seed(live, uid('ex'), uid('m'));
    await seed(merged, uid('ex'), uid('m'));
    const { deps, started } = jobDeps(live, merged);
    commands.length = 0;
    const job = await startPrivacyJob(deps, 'erase', merged, 'test');
    expect(started).toEqual([`${job.jobId}-1`]);
    const statuses: string[] = [];
    for (let step = 0; step < 10; step++) {
      const r = await runPrivacyJobStep(deps, job.jobId, 1);
      const stored = await deps.jobs.get(job.jobId);
      statuses.push(
        `${stored?.status}:${stored?.holders.map((h) => `${h.name}=${h.items ?? '-'}`).join(',')}`,
      );
      if (r.done) break;
    }
    expect(statuses).toEqual([
      'running:messages=-,journeys=-',
      'running:messages=12,journeys=-',
      'running:messages=12,journeys=16',
      'succeeded:messages=12,journeys=16',
    ]);
    expect(commands).not.toContain('ScanCommand');
    expect(await deps.audit.get(profileIdHash(testHasher, merged))).toMatchObject({
      status: 'completed',
      counts: { messages: 12, journeys: 16 },
    });
    const left = [...(await scanAll(tables.messages)), ...(await scanAll(tables.journeys))];
    expect(JSON.stringify(left)).not.toContain(live);
    // The stored job names no profile once done.
    const raw = (await scanAll(tables.control)).filter((i) => String(i.pk) === `PRIVACYJOB#${job.jobId}`);
    expect(JSON.stringify(raw)).not.toContain(live);
  });

  it('stores an export in parts, splitting a part larger than an item, and assembles it', async () => {
    const [live, merged] = [uid('pf'), uid('pf')];
    const { deps } = jobDeps(live, merged);
    // An inbox message of 250,000 characters: the messages part spans three chunks.
    await checker.send(
      new PutCommand({
        TableName: tables.messages,
        Item: { pk: `INBOX#${live}`, sk: 'M#big', body: 'x'.repeat(250_000) },
      }),
    );
    const job = await startPrivacyJob(deps, 'export', live, 'test');
    while (!(await runPrivacyJobStep(deps, job.jobId, 1)).done);
    const parts = (await scanAll(tables.control)).filter(
      (i) => String(i.pk) === `PRIVACYJOB#${job.jobId}` && String(i.sk).startsWith('PART#'),
    );
    expect(parts.length).toBe(1 + 3 + 1); // person, messages in 3 chunks, journeys
    const document = await readExportResult(deps.jobs, job.jobId);
    expect(document.profileId).toBe(live);
    const messages = document.holders.messages as { body?: string }[];
    expect(messages[0]?.body).toHaveLength(250_000);
  });
});
