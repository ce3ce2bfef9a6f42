import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { type _Record } from '@aws-sdk/client-dynamodb-streams';
import type {
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { LANDING_PART_MESSAGES } from '../../../shared/domain/ingest/landing.js';
import { createSource } from '../../../shared/domain/sources.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY } from '../../support/hasher.js';
import { streamRecords } from '../../support/streams.js';
import { apiEvent, basicAuth } from '../../unit/ingest/support.js';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type FanOut = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
const saved = { ...process.env };
let ingest: Handler;
let fanOut: FanOut;
let writeKey: string;
let t: Awaited<ReturnType<typeof createTestTables>>;

beforeAll(async () => {
  t = await createTestTables();
  ({ writeKey } = await createSource(
    {
      sources: new DynamoDbSourceStore({ client: documentClient(t.client), tableName: t.tables.control }),
      now: () => new Date(),
    },
    'max',
  ));
  Object.assign(process.env, t.env, {
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    // The stack names a Secrets Manager secret (IDENTITY_HMAC_KEY_ARN); a test passes the key itself.
    IDENTITY_HMAC_KEY: TEST_HASH_KEY,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_SERVICE_NAME: 'ingest-test',
  });
  ingest = (await import('../../../functions/ingest/handler.js')).handler as unknown as Handler;
  fanOut = (await import('../../../functions/ingest-fan-out/handler.js')).handler as unknown as FanOut;
});
afterAll(() => {
  process.env = saved;
});

function msg(i: number) {
  return {
    type: 'track',
    event: 'Product Viewed',
    userId: `u-${i % 400}`,
    messageId: `m-${i}`,
    properties: { sku: `s${i % 70}`, price: 89.9, currency: 'EUR' },
  };
}

/** Items of the events table whose sort key starts with `prefix`. */
async function items(prefix: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await t.client.send(
      new ScanCommand({
        TableName: t.tables.events,
        FilterExpression: 'begins_with(sk, :p)',
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Every record of the events table's stream so far, as DynamoDB Local's stream API returns them. */
const eventRecords = () => streamRecords(inject('dynamodbEndpoint'), t.tables.events);

/** The records the fan-out's mapping takes: landed items waiting to be stored. */
const landedRecords = (records: _Record[]) =>
  records.filter(
    (r) =>
      ['INSERT', 'MODIFY'].includes(r.eventName ?? '') &&
      r.dynamodb?.Keys?.sk?.S?.startsWith('L#') &&
      r.dynamodb.NewImage?.n !== undefined,
  );

describe('a maximum batch through the Lambda entries', () => {
  it('is landed and answered 200, stored as 2,500 events by the fan-out, and a re-send lands nothing', async () => {
    const body = JSON.stringify({ batch: Array.from({ length: 2500 }, (_, i) => msg(i)) });
    const post = () =>
      ingest(apiEvent('/v1/batch', body, { headers: { authorization: basicAuth(writeKey) } }), {
        getRemainingTimeInMillis: () => 20_000,
      } as Context);
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body ?? '')).toMatchObject({ accepted: 2500, rejected: [] });
    // Landed: a few items, no event item yet.
    expect(await items('M#')).toHaveLength(0);
    expect(await items('L#')).toHaveLength(2500 / LANDING_PART_MESSAGES);

    const waiting = landedRecords(await eventRecords());
    expect(waiting).toHaveLength(2500 / LANDING_PART_MESSAGES);
    const out = await fanOut(
      { Records: waiting } as unknown as DynamoDBStreamEvent,
      {
        getRemainingTimeInMillis: () => 120_000,
      } as Context,
    );
    expect(out).toEqual({ batchItemFailures: [] });
    expect(await items('M#')).toHaveLength(2500);
    // Stored: what is left of the landing is a marker without the messages.
    const markers = await items('L#');
    expect(markers).toHaveLength(2500 / LANDING_PART_MESSAGES);
    for (const m of markers) {
      expect(m.z).toBeUndefined();
      expect(m.stored).toBeDefined();
    }

    const before = (await eventRecords()).length;
    const again = await post();
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body ?? '')).toMatchObject({ accepted: 2500 });
    // Nothing written: no new stream record for the fan-out (or anyone) to take.
    expect((await eventRecords()).length).toBe(before);
    expect(await items('M#')).toHaveLength(2500);
  });
});
