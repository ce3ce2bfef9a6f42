import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createAdminHandler } from '../../../functions/admin/app.js';
import { createIngestHandler } from '../../../functions/ingest/app.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { recordingLogger } from '../../support/logger.js';
import { apiEvent, basicAuth, memoryDeps, trackMessage } from './support.js';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

async function call(handler: Handler, event: APIGatewayProxyEventV2) {
  const res = await handler(event, {} as Context);
  return {
    status: res.statusCode,
    headers: res.headers,
    body: JSON.parse(res.body ?? 'null') as Record<string, unknown>,
  };
}

const auth = { authorization: basicAuth() };

describe('ingest handler', () => {
  it('answers 200 with success and the accepted count as JSON', async () => {
    const { deps } = memoryDeps();
    const res = await call(
      createIngestHandler(deps, recordingLogger().logger),
      apiEvent('/v1/t', JSON.stringify(trackMessage()), { headers: auth }),
    );
    expect(res).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { success: true, accepted: 1 },
    });
  });

  it('reports rejected batch messages in a 200', async () => {
    const { deps } = memoryDeps();
    const body = JSON.stringify({ batch: [trackMessage(), { type: 'track' }] });
    const res = await call(
      createIngestHandler(deps, recordingLogger().logger),
      apiEvent('/v1/batch', body, { headers: auth }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      accepted: 1,
      rejected: [{ index: 1, code: 'invalid_message' }],
    });
  });

  it.each([
    ['invalid JSON', '/v1/batch', '{', auth, 400, 'invalid_json'],
    ['an invalid single message', '/v1/track', '{"userId":"u"}', auth, 400, 'invalid_message'],
    ['a batch of only invalid messages', '/v1/b', '{"batch":[{"type":"x"}]}', auth, 400, 'no_valid_messages'],
    ['no write key', '/v1/track', JSON.stringify(trackMessage()), {}, 401, 'missing_write_key'],
    [
      'an unknown write key',
      '/v1/track',
      JSON.stringify(trackMessage()),
      { authorization: basicAuth('ff_x') },
      401,
      'invalid_write_key',
    ],
    [
      'an unknown encoding',
      '/v1/track',
      '{}',
      { ...auth, 'content-encoding': 'compress' },
      415,
      'unsupported_content_encoding',
    ],
    ['an unknown route', '/v1/nope', '{}', auth, 404, 'unknown_route'],
  ])('answers %s with %s', async (_name, path, body, headers, status, code) => {
    const { deps } = memoryDeps();
    const res = await call(
      createIngestHandler(deps, recordingLogger().logger),
      apiEvent(path, body, { headers }),
    );
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
  });

  it('includes the zod issue paths for an invalid single message', async () => {
    const { deps } = memoryDeps();
    const res = await call(
      createIngestHandler(deps, recordingLogger().logger),
      apiEvent('/v1/track', '{"userId":"u"}', { headers: auth }),
    );
    expect(res.body).toMatchObject({ error: { issues: [expect.objectContaining({ path: ['event'] })] } });
  });

  it('answers a failing store with a retryable 503 that reveals nothing (never a 500: data may be written)', async () => {
    const { deps } = memoryDeps({
      events: {
        putEvents: async () => {
          throw new Error('ConnectionRefused user-1@example.com');
        },
      },
    });
    const { logger, lines } = recordingLogger();
    const res = await call(
      createIngestHandler(deps, logger),
      apiEvent('/v1/track', JSON.stringify(trackMessage()), { headers: auth }),
    );
    expect(res).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
      body: { success: false, error: { code: 'store_unavailable', retryable: true } },
    });
    expect(JSON.stringify(res.body)).not.toContain('example.com');
    expect(lines.join('\n')).not.toContain('example.com');
  });

  it('logs counts and the source, never ids or message bodies', async () => {
    const { deps } = memoryDeps();
    const { logger, lines } = recordingLogger();
    const msg = trackMessage({ userId: 'jane@example.com', properties: { phone: '+15551234567' } });
    await call(
      createIngestHandler(deps, logger),
      apiEvent('/v1/track', JSON.stringify(msg), { headers: auth }),
    );
    await call(
      createIngestHandler(deps, logger),
      apiEvent('/v1/track', JSON.stringify({ ...msg, event: 7 }), { headers: auth }),
    );
    const logged = lines.join('\n');
    expect(logged).toContain('events ingested');
    expect(logged).not.toMatch(/jane|5551234567|Order Completed/);
  });
});

describe('admin handler', () => {
  const event = (overrides: Partial<NormalisedMessage>): NormalisedMessage => ({
    messageId: 'm',
    type: 'track',
    timestamp: '2024-05-01T00:00:00.000Z',
    receivedAt: '2024-05-01T00:00:00.000Z',
    sourceId: 'web',
    ...overrides,
  });
  const deps = {
    events: {
      listByPerson: async (q: { userId?: string; anonymousId?: string; limit: number }) => ({
        events: [
          event({ messageId: 'b', userId: q.userId, timestamp: '2024-05-02T00:00:00.000Z' }),
          event({ messageId: 'a', userId: q.userId, timestamp: '2024-05-01T00:00:00.000Z' }),
        ].slice(0, q.limit),
        cursor: 'next',
      }),
    },
    quarantine: {
      list: async () => ({ items: [] }),
      countsByReason: async () => ({ invalid_json: 2 }),
    },
  };
  const admin = createAdminHandler(deps, recordingLogger().logger);
  const get = (path: string, query?: Record<string, string>) =>
    call(admin, apiEvent(path, undefined, { method: 'GET', ...(query ? { query } : {}) }));

  it("lists a person's events sorted by timestamp, with the next cursor", async () => {
    const res = await get('/admin/events', { userId: 'u1' });
    expect(res.status).toBe(200);
    expect((res.body.events as NormalisedMessage[]).map((e) => e.messageId)).toEqual(['a', 'b']);
    expect(res.body.cursor).toBe('next');
  });

  it.each([
    [{}, 'missing_identifier'],
    [{ userId: 'u', anonymousId: 'a' }, 'missing_identifier'],
    [{ userId: 'u', limit: '0' }, 'invalid_query'],
    [{ userId: 'u', limit: '1001' }, 'invalid_query'],
    [{ userId: 'u', limit: 'ten' }, 'invalid_query'],
  ])('answers 400 to the query %j', async (query, code) => {
    const res = await get('/admin/events', query);
    expect(res).toMatchObject({ status: 400, body: { error: { code } } });
  });

  it('lists quarantine with counts by reason', async () => {
    const res = await get('/admin/quarantine', { reason: 'invalid_json' });
    expect(res).toMatchObject({ status: 200, body: { items: [], countsByReason: { invalid_json: 2 } } });
  });
});
