import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const types = (events: { type: string }[]) => events.map((e) => e.type).sort();

describe('the local runtime, driven by real client SDKs', () => {
  it('answers /health', async () => {
    const res = await fetch(`${rt.url}/health`);
    expect(res.status).toBe(200);
  });

  it('stores identify, track and page sent by @segment/analytics-node', async () => {
    const analytics = new Analytics({ writeKey: rt.writeKey, host: rt.url, flushAt: 3, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-user-1', traits: { plan: 'pro', name: 'Zoë 🚀' } });
    analytics.track({
      userId: 'seg-user-1',
      event: 'Product Added',
      properties: { sku: 'SKU-1', price: 19.9 },
    });
    analytics.page({ userId: 'seg-user-1', name: 'Pricing' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);

    const { status, body } = await rt.admin('/admin/events?userId=seg-user-1');
    expect(status).toBe(200);
    expect(types(body.events)).toEqual(['identify', 'page', 'track']);
    const track = body.events.find((e: { type: string }) => e.type === 'track');
    expect(track).toMatchObject({
      event: 'Product Added',
      properties: { sku: 'SKU-1', price: 19.9 },
      sourceId: 'local',
    });
    expect(body.events.find((e: { type: string }) => e.type === 'identify').traits.name).toBe('Zoë 🚀');
  });

  it('stores identify, track and page sent gzipped by @rudderstack/rudder-sdk-node', async () => {
    const client = new RudderAnalytics(rt.writeKey, {
      dataPlaneUrl: rt.url,
      flushAt: 3,
      retryCount: 0,
      logLevel: 'error',
    });
    client.identify({ userId: 'rs-user-1', traits: { plan: 'free' } });
    client.track({
      userId: 'rs-user-1',
      event: 'Order Completed',
      properties: { orderId: 'o-1', revenue: 42 },
    });
    client.page({ userId: 'rs-user-1', name: 'Home' });
    await client.flush();

    const { body } = await rt.admin('/admin/events?userId=rs-user-1');
    expect(types(body.events)).toEqual(['identify', 'page', 'track']);
    expect(body.events.find((e: { type: string }) => e.type === 'track').properties).toMatchObject({
      orderId: 'o-1',
      revenue: 42,
    });
  });

  it('accepts a browser-style text/plain post to /v1/t with the write key in the body, after a CORS preflight', async () => {
    const preflight = await fetch(`${rt.url}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');

    const res = await fetch(`${rt.url}/v1/t`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://shop.example' },
      body: JSON.stringify({
        writeKey: rt.writeKey,
        anonymousId: 'anon-browser-1',
        event: 'Product Viewed',
        properties: { sku: 'S-9' },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');

    const { body } = await rt.admin('/admin/events?anonymousId=anon-browser-1');
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ type: 'track', event: 'Product Viewed' });
  });

  it('refuses an unknown write key with 401 and a reason', async () => {
    const res = await rt.post(
      '/v1/track',
      { userId: 'u', event: 'X' },
      { authorization: `Basic ${Buffer.from('ff_wrong:').toString('base64')}` },
    );
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_write_key');
  });

  it('keeps the admin API behind the admin token', async () => {
    const res = await fetch(`${rt.url}/admin/events?userId=seg-user-1`);
    expect(res.status).toBe(403);
    const wrong = await fetch(`${rt.url}/admin/events?userId=seg-user-1`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(403);
  });
});
