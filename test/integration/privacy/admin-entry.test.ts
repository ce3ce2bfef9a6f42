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
    'shop',
  ));
  // The variables the lead wires: the three tables (and the projector's optional PROFILES_CONFIG / IDENTITY_HMAC_KEY).
  Object.assign(process.env, t.env, {
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    // The stack names a Secrets Manager secret (IDENTITY_HMAC_KEY_ARN); a test passes the key itself.
    IDENTITY_HMAC_KEY: TEST_HASH_KEY,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_SERVICE_NAME: 'privacy-test',
  });
  ingest = (await import('../../../functions/ingest/handler.js')).handler as unknown as Handler;
  admin = (await import('../../../functions/admin/handler.js')).handler as unknown as Handler;
});

afterAll(() => {
  process.env = saved;
});

describe('the admin entry point with a profiles table', () => {
  it('reports the freshness that ingest records for a source', async () => {
    const posted = await ingest(
      apiEvent('/v1/track', JSON.stringify(trackMessage({ userId: 'fresh-1' })), {
        headers: { authorization: basicAuth(writeKey) },
      }),
      {} as Context,
    );
    expect(posted.statusCode).toBe(200);
    const res = await admin(apiEvent('/admin/quality', undefined, { method: 'GET' }), {} as Context);
    expect(res.statusCode).toBe(200);
    const report = JSON.parse(res.body ?? '{}');
    expect(report.freshness.sources).toEqual([
      expect.objectContaining({
        name: 'shop',
        status: 'active',
        lastReceivedAt: expect.any(String),
        stale: false,
      }),
    ]);
  });

  it('answers 404 profile_not_found for an unknown profile', async () => {
    const res = await admin(
      apiEvent('/admin/profiles/pf_unknown', undefined, { method: 'GET' }),
      {} as Context,
    );
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ error: { code: 'profile_not_found' } });
  });
});
