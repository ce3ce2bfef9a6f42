/**
 * Privacy bench: erasing one person from the messages and journeys tables through the byProfile
 * indexes and the profile-keyed partitions, with few and with many other people in the tables.
 * Prints the DynamoDB requests and items read per erasure — the figures that must not grow with the
 * table (the filtered Scan this replaced read every item of both tables) — and the wall time here
 * (DynamoDB Local, informational).
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { laterLayerHolders } from '../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { TABLES, type TableSpec } from '../../shared/adapters/dynamodb/tables.js';
import type { Person } from '../../shared/ports/privacy.js';

/** People in the tables (80 items each): the erased one and the others. */
const PEOPLE = [2, 250];

async function createTable(client: DynamoDBClient, name: string, spec: TableSpec) {
  const attrs = new Set([
    spec.partitionKey,
    spec.sortKey!,
    ...(spec.globalIndexes ?? []).map((g) => g.partitionKey),
  ]);
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey!, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: (spec.globalIndexes ?? []).map((g) => ({
        IndexName: g.name,
        KeySchema: [{ AttributeName: g.partitionKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: g.projection ?? 'ALL' },
      })),
    }),
  );
}

/** What channels and journeys keep about one person: ledger, logs, inbox, waits, decisions, exposures. */
function itemsOf(profileId: string): {
  messages: Record<string, string>[];
  journeys: Record<string, string>[];
} {
  const messages: Record<string, string>[] = [];
  const journeys: Record<string, string>[] = [];
  for (let i = 0; i < 10; i++) {
    messages.push({
      pk: `LEDGER#${profileId}-ex${i}`,
      sk: 'welcome#email',
      profileId,
      messageId: `${profileId}-m${i}`,
    });
    messages.push({ pk: `MSG#${profileId}-m${i}`, sk: 'MSG' });
    messages.push({ pk: `PLOG#${profileId}`, sk: `t${i}`, profileId });
    messages.push({ pk: `INBOX#${profileId}`, sk: `M#${i}` });
    journeys.push({ pk: `DECISION#${profileId}`, sk: `t${i}`, profileId });
    journeys.push({ pk: `WAIT#${profileId}#Order Completed`, sk: `ex${i}#wait`, profileId });
    journeys.push({
      pk: `EXPOSURE#${profileId}`,
      sk: `t${i}`,
      profileId,
      executionName: `${profileId}-ex${i}`,
    });
    journeys.push({ pk: `CREDIT#${profileId}-ex${i}`, sk: 'TOTAL' });
  }
  return { messages, journeys };
}

async function write(client: DynamoDBClient, table: string, items: Record<string, string>[]) {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: items.slice(i, i + 25).map((item) => ({
            PutRequest: { Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])) },
          })),
        },
      }),
    );
  }
}

/** Runs the bench and prints its figures. */
export async function benchPrivacy(): Promise<void> {
  console.log('\n## Privacy: erasing one person from messages and journeys (no scans)');
  const ddb = await startDynamoDbLocal();
  try {
    const raw = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const counted = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const stats = { requests: 0, read: 0, scans: 0 };
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        stats.requests++;
        if (context.commandName === 'ScanCommand') stats.scans++;
        const out = await next(args);
        const o = out.output as { Items?: unknown[]; Responses?: Record<string, unknown[]> };
        stats.read += (o.Items?.length ?? 0) + Object.values(o.Responses ?? {}).flat().length;
        return out;
      },
      { step: 'initialize', name: 'countRequests' },
    );
    console.log(
      '| people in the tables | items in the tables | person’s items | requests | items read | scans | ms (DynamoDB Local) |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const people of PEOPLE) {
      const prefix = `bench${randomBytes(3).toString('hex')}`;
      const tables = { messages: `${prefix}-messages`, journeys: `${prefix}-journeys` };
      await createTable(raw, tables.messages, TABLES.messages);
      await createTable(raw, tables.journeys, TABLES.journeys);
      const all = { messages: [] as Record<string, string>[], journeys: [] as Record<string, string>[] };
      for (let p = 0; p < people; p++) {
        const items = itemsOf(`pf_${p}`);
        all.messages.push(...items.messages);
        all.journeys.push(...items.journeys);
      }
      await write(raw, tables.messages, all.messages);
      await write(raw, tables.journeys, all.journeys);
      const person: Person = {
        profileId: 'pf_0',
        mergedProfileIds: [],
        userIds: [],
        anonymousIds: [],
        emails: [],
        phones: [],
        deviceIds: [],
      };
      const holders = laterLayerHolders(documentClient(counted), tables);
      Object.assign(stats, { requests: 0, read: 0, scans: 0 });
      const started = performance.now();
      const deleted = (await Promise.all(holders.map((h) => h.erase(person)))).reduce((a, b) => a + b, 0);
      const ms = performance.now() - started;
      const total = all.messages.length + all.journeys.length;
      console.log(
        `| ${people} | ${total} | ${deleted} | ${stats.requests} | ${stats.read} | ${stats.scans} | ${ms.toFixed(0)} |`,
      );
    }
    console.log(
      'A filtered Scan reads every item of both tables (the "items in the tables" column) per erasure.',
    );
  } finally {
    await ddb.stop();
  }
}
