import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { createSource } from '../../../shared/domain/sources.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY } from '../../support/hasher.js';
import { apiEvent, basicAuth } from '../../unit/ingest/support.js';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const saved = { ...process.env };
let ingest: Handler;
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

async function countEvents(): Promise<number> {
  let n = 0;
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await t.client.send(
      new ScanCommand({ TableName: t.tables.events, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    n += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

describe('a maximum batch through the Lambda entry', () => {
  it('is answered 200 with all 2,500 messages stored, and a re-send stores nothing new', async () => {
    const body = JSON.stringify({ batch: Array.from({ length: 2500 }, (_, i) => msg(i)) });
    const post = () =>
      ingest(apiEvent('/v1/batch', body, { headers: { authorization: basicAuth(writeKey) } }), {
        getRemainingTimeInMillis: () => 20_000,
      } as Context);
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body ?? '')).toMatchObject({ accepted: 2500, rejected: [] });
    expect(await countEvents()).toBe(2500);
    const again = await post();
    expect(again.statusCode).toBe(200);
    expect(await countEvents()).toBe(2500);
  });
});
