import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { createSource } from '../../../shared/domain/sources.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY } from '../../support/hasher.js';
import { apiEvent, basicAuth, trackMessage } from '../../unit/ingest/support.js';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const saved = { ...process.env };
let ingest: Handler;
let admin: Handler;
let writeKey: string;

beforeAll(async () => {
  const t = await createTestTables();
  ({ writeKey } = await createSource(
    {
      sources: new DynamoDbSourceStore({ client: documentClient(t.client), tableName: t.tables.control }),
      now: () => new Date(),
    },
    'entry',
  ));
  // Exactly what the stack and the local runtime give the functions: table names and the standard endpoint variable.
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
  admin = (await import('../../../functions/admin/handler.js')).handler as unknown as Handler;
});

afterAll(() => {
  process.env = saved;
});

describe('the Lambda entry points', () => {
  it('wire themselves from the environment: a tracked event can be read back through admin', async () => {
    const userId = `entry-${Date.now()}`;
    const body = JSON.stringify(trackMessage({ userId, messageId: 'entry-1' }));
    const posted = await ingest(
      apiEvent('/v1/track', body, { headers: { authorization: basicAuth(writeKey) } }),
      {} as Context,
    );
    expect(posted.statusCode).toBe(200);
    const listed = await admin(
      apiEvent('/admin/events', undefined, { method: 'GET', query: { userId } }),
      {} as Context,
    );
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(listed.body ?? '')).toMatchObject({
      events: [{ messageId: 'entry-1', userId, sourceId: 'entry', event: 'Order Completed' }],
    });
    const quarantine = await admin(
      apiEvent('/admin/quarantine', undefined, { method: 'GET' }),
      {} as Context,
    );
    expect(JSON.parse(quarantine.body ?? '')).toMatchObject({ items: [], countsByReason: {} });
  });
});
