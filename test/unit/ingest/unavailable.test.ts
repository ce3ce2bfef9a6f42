import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest/app.js';
import { StoreThrottledError } from '../../../shared/domain/store-errors.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, basicAuth, memoryDeps, trackMessage } from './support.js';

const logger = silentLogger;
const batch = JSON.stringify({ batch: [trackMessage(), trackMessage({ messageId: 'msg-2' })] });

async function post(
  putEvents: () => Promise<never>,
  context: Partial<Context> = {},
): Promise<APIGatewayProxyStructuredResultV2> {
  const { deps } = memoryDeps({ events: { putEvents } });
  const handler = createIngestHandler(deps, logger);
  return handler(
    apiEvent('/v1/batch', batch, { headers: { authorization: basicAuth() } }),
    context as Context,
  );
}

describe('ingest when the store cannot take the request', () => {
  it('answers 429 store_throttled with Retry-After when the store throttles', async () => {
    const res = await post(async () => {
      throw new StoreThrottledError('unprocessed');
    });
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(res.body ?? '')).toMatchObject({ success: false, error: { code: 'store_throttled' } });
  });

  it('answers 503 store_unavailable, not 500, when a write fails after others may have landed', async () => {
    const res = await post(async () => {
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(JSON.parse(res.body ?? '').error.code).toBe('store_unavailable');
  });

  it('answers 503 time_budget_exhausted before the invocation ends when the store is too slow', async () => {
    let left = 2_050;
    const res = await post(() => new Promise<never>(() => {}), {
      getRemainingTimeInMillis: () => left--,
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(JSON.parse(res.body ?? '').error.code).toBe('time_budget_exhausted');
  });

  it('answers 503 without writing when no time is left to write', async () => {
    let called = false;
    const res = await post(
      async () => {
        called = true;
        throw new Error('unreachable');
      },
      { getRemainingTimeInMillis: () => 1_000 },
    );
    expect(res.statusCode).toBe(503);
    expect(called).toBe(false);
  });
});
