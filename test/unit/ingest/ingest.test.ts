import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../shared/domain/errors.js';
import { ingest, routeFromPath } from '../../../shared/domain/ingest/ingest.js';
import { basicAuth, memoryDeps, NOW, trackMessage, WRITE_KEY } from './support.js';

const auth = { authorization: basicAuth() };
const json = (v: unknown) => JSON.stringify(v);

async function rejection(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClientError) return err;
    throw err;
  }
  throw new Error('expected a ClientError');
}

describe('routes', () => {
  it('maps long and short paths to a message type or batch', () => {
    expect(routeFromPath('/v1/track')).toBe('track');
    expect(routeFromPath('/v1/t')).toBe('track');
    expect(routeFromPath('/v1/i')).toBe('identify');
    expect(routeFromPath('/v1/p')).toBe('page');
    expect(routeFromPath('/v1/s')).toBe('screen');
    expect(routeFromPath('/v1/g')).toBe('group');
    expect(routeFromPath('/v1/a')).toBe('alias');
    expect(routeFromPath('/v1/b')).toBe('batch');
    expect(routeFromPath('/v1/batch/')).toBe('batch');
    expect(routeFromPath('/v1/nope')).toBeUndefined();
  });
});

describe('a single message', () => {
  it('stores a valid track with server fields set by the server', async () => {
    const { deps, events } = memoryDeps();
    const out = await ingest(deps, 'track', { body: json(trackMessage()), headers: auth });
    expect(out.accepted).toBe(1);
    const [stored] = events.all;
    expect(stored).toMatchObject({
      messageId: 'msg-1',
      type: 'track',
      event: 'Order Completed',
      userId: 'user-1',
      receivedAt: NOW.toISOString(),
      sourceId: 'web',
      timestamp: '2024-05-01T11:59:00.000Z',
      originalTimestamp: '2024-05-01T11:59:00.000Z',
    });
  });

  it('takes the type from the route, not from the body', async () => {
    const { deps, events } = memoryDeps();
    await ingest(deps, 'page', {
      body: json({ type: 'track', anonymousId: 'a1', name: 'Home' }),
      headers: auth,
    });
    expect(events.all[0]?.type).toBe('page');
  });

  it('generates a uuid messageId when the message has none', async () => {
    const { deps, events } = memoryDeps({ newId: () => crypto.randomUUID() });
    await ingest(deps, 'identify', { body: json({ userId: 'u', traits: { plan: 'pro' } }), headers: auth });
    expect(events.all[0]?.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('rejects a message with neither userId nor anonymousId, and quarantines it', async () => {
    const { deps, events, quarantine } = memoryDeps();
    const err = await rejection(ingest(deps, 'track', { body: json({ event: 'x' }), headers: auth }));
    expect(err.code).toBe('invalid_message');
    expect(err.details.issues).toEqual([expect.objectContaining({ path: ['userId'] })]);
    expect(events.all).toHaveLength(0);
    expect(quarantine.entries).toEqual([
      expect.objectContaining({ reason: 'invalid_message', sourceId: 'web', route: 'track', index: 0 }),
    ]);
  });

  it('treats null ids as absent, as analytics.js sends userId: null', async () => {
    const { deps, events } = memoryDeps();
    await ingest(deps, 'track', {
      body: json({ event: 'x', userId: null, anonymousId: 'anon' }),
      headers: auth,
    });
    expect(events.all[0]).not.toHaveProperty('userId');
    expect(events.all[0]?.anonymousId).toBe('anon');
  });

  it('coerces numeric ids to strings', async () => {
    const { deps, events } = memoryDeps();
    await ingest(deps, 'group', { body: json({ userId: 42, groupId: 7 }), headers: auth });
    expect(events.all[0]).toMatchObject({ userId: '42', groupId: '7' });
  });

  it.each([
    ['track without event', 'track', { userId: 'u' }, ['event']],
    ['track with a blank event', 'track', { userId: 'u', event: '  ' }, ['event']],
    ['alias without previousId', 'alias', { userId: 'u' }, ['previousId']],
    ['group without groupId', 'group', { userId: 'u' }, ['groupId']],
    ['properties that are a list', 'track', { userId: 'u', event: 'e', properties: [1] }, ['properties']],
    ['traits that are a string', 'identify', { userId: 'u', traits: 'vip' }, ['traits']],
    ['a context that is a number', 'page', { userId: 'u', context: 3 }, ['context']],
    [
      'a timestamp that is not ISO-8601',
      'track',
      { userId: 'u', event: 'e', timestamp: 'yesterday' },
      ['timestamp'],
    ],
    [
      'a messageId over 100 characters',
      'track',
      { userId: 'u', event: 'e', messageId: 'm'.repeat(101) },
      ['messageId'],
    ],
    [
      'an integrations value that is a string',
      'track',
      { userId: 'u', event: 'e', integrations: { All: 'yes' } },
      ['integrations', 'All'],
    ],
    ['a userId that is an object', 'identify', { userId: { id: 1 } }, ['userId']],
  ] as const)('rejects %s with the issue path', async (_name, route, body, path) => {
    const { deps } = memoryDeps();
    const err = await rejection(ingest(deps, route, { body: json(body), headers: auth }));
    expect(err.code).toBe('invalid_message');
    expect(err.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('rejects a message over 32 KB with message_too_large and quarantines it', async () => {
    const { deps, quarantine } = memoryDeps();
    const body = json(trackMessage({ properties: { blob: 'x'.repeat(33 * 1024) } }));
    const err = await rejection(ingest(deps, 'track', { body, headers: auth }));
    expect(err.code).toBe('message_too_large');
    expect(quarantine.entries[0]?.reason).toBe('message_too_large');
    expect(Buffer.byteLength(quarantine.entries[0]?.excerpt ?? '')).toBeLessThanOrEqual(2048);
  });
});

describe('whole-request rejections', () => {
  it('rejects invalid JSON with invalid_json and records its size, hash and an excerpt', async () => {
    const { deps, quarantine } = memoryDeps();
    const err = await rejection(ingest(deps, 'batch', { body: '{"batch": [', headers: auth }));
    expect(err).toBeInstanceOf(ClientError);
    expect(err.code).toBe('invalid_json');
    expect(quarantine.entries).toEqual([
      expect.objectContaining({ reason: 'invalid_json', size: 11, excerpt: '{"batch": [', sourceId: 'web' }),
    ]);
    expect(quarantine.entries[0]?.sha256).toMatch(/^k1\.[0-9a-f]{64}$/);
  });

  it('answers invalid JSON without a write key with invalid_json and stores nothing', async () => {
    const { deps, quarantine, events } = memoryDeps();
    const err = await rejection(ingest(deps, 'batch', { body: '{"batch": [', headers: {} }));
    expect(err.code).toBe('invalid_json');
    expect(quarantine.entries).toEqual([]);
    expect(events.all).toEqual([]);
  });

  it('rejects a body that is JSON but not an object', async () => {
    const { deps } = memoryDeps();
    expect((await rejection(ingest(deps, 'track', { body: '[1,2]', headers: auth }))).code).toBe(
      'invalid_json',
    );
  });

  it('rejects a body over 500 KB with batch_too_large', async () => {
    const { deps, quarantine } = memoryDeps();
    const body = json({ batch: [], pad: 'x'.repeat(501 * 1024) });
    const err = await rejection(ingest(deps, 'batch', { body, headers: auth }));
    expect(err.code).toBe('batch_too_large');
    expect(quarantine.entries[0]).toMatchObject({ reason: 'batch_too_large' });
  });

  it('rejects 2,501 messages with too_many_messages', async () => {
    const { deps, events, quarantine } = memoryDeps();
    const batch = Array.from({ length: 2501 }, (_, i) => ({
      type: 'track',
      event: 'e',
      userId: 'u',
      messageId: `${i}`,
    }));
    const err = await rejection(ingest(deps, 'batch', { body: json({ batch }), headers: auth }));
    expect(err.code).toBe('too_many_messages');
    expect(events.all).toHaveLength(0);
    expect(quarantine.entries[0]?.reason).toBe('too_many_messages');
  });

  it('accepts exactly 2,500 messages', async () => {
    const { deps } = memoryDeps();
    const batch = Array.from({ length: 2500 }, (_, i) => ({
      type: 'track',
      event: 'e',
      userId: 'u',
      messageId: `${i}`,
    }));
    expect((await ingest(deps, 'batch', { body: json({ batch }), headers: auth })).accepted).toBe(2500);
  });

  it('rejects a batch whose batch field is not a list', async () => {
    const { deps } = memoryDeps();
    expect((await rejection(ingest(deps, 'batch', { body: json({ batch: {} }), headers: auth }))).code).toBe(
      'invalid_batch',
    );
  });
});

describe('authentication', () => {
  it('accepts the write key from Basic auth, whatever the header name case', async () => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, 'track', {
      body: json(trackMessage()),
      headers: { Authorization: basicAuth() },
    });
    expect(out.accepted).toBe(1);
  });

  it('accepts the write key in the body of a single message', async () => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, 'track', { body: json(trackMessage({ writeKey: WRITE_KEY })) });
    expect(out.accepted).toBe(1);
  });

  it('accepts the write key in a batch envelope', async () => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, 'batch', { body: json({ writeKey: WRITE_KEY, batch: [trackMessage()] }) });
    expect(out.accepted).toBe(1);
  });

  it('rejects a request without a write key as missing_write_key, storing nothing', async () => {
    const { deps, events, quarantine } = memoryDeps();
    const err = await rejection(ingest(deps, 'track', { body: json(trackMessage()) }));
    expect(err.code).toBe('missing_write_key');
    expect(events.all).toHaveLength(0);
    expect(quarantine.entries).toHaveLength(0);
  });

  it('rejects an unknown key as invalid_write_key before reading the body', async () => {
    const { deps, quarantine } = memoryDeps();
    const err = await rejection(
      ingest(deps, 'track', { body: 'not json', headers: { authorization: basicAuth('ff_nope') } }),
    );
    expect(err.code).toBe('invalid_write_key');
    expect(quarantine.entries).toHaveLength(0);
  });

  it('prefers the Authorization header over a key in the body', async () => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, 'track', {
      body: json(trackMessage({ writeKey: 'ff_wrong' })),
      headers: auth,
    });
    expect(out.accepted).toBe(1);
  });
});

describe('body decoding', () => {
  it('reads a base64-encoded body', async () => {
    const { deps } = memoryDeps();
    const body = Buffer.from(json(trackMessage())).toString('base64');
    expect((await ingest(deps, 'track', { body, isBase64Encoded: true, headers: auth })).accepted).toBe(1);
  });

  it('gunzips a body labelled Content-Encoding: gzip', async () => {
    const { deps } = memoryDeps();
    const body = gzipSync(json({ batch: [trackMessage()] })).toString('base64');
    const headers = { ...auth, 'content-encoding': 'gzip' };
    expect((await ingest(deps, 'batch', { body, isBase64Encoded: true, headers })).accepted).toBe(1);
  });

  it('gunzips a gzip body sent as form-urlencoded without Content-Encoding (RudderStack)', async () => {
    const { deps } = memoryDeps();
    const body = gzipSync(json({ batch: [trackMessage()] })).toString('base64');
    const headers = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    expect((await ingest(deps, 'batch', { body, isBase64Encoded: true, headers })).accepted).toBe(1);
  });

  it('stops a gzip bomb at 500 KB of output with batch_too_large', async () => {
    const { deps } = memoryDeps();
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)); // 10 MB of spaces, ~10 KB compressed
    const err = await rejection(
      ingest(deps, 'batch', { body: bomb.toString('base64'), isBase64Encoded: true, headers: auth }),
    );
    expect(err.code).toBe('batch_too_large');
  });

  it('rejects an encoding it does not decode', async () => {
    const { deps } = memoryDeps();
    const headers = { ...auth, 'content-encoding': 'br' };
    const err = await rejection(ingest(deps, 'track', { body: json(trackMessage()), headers }));
    expect(err.code).toBe('unsupported_content_encoding');
  });

  it('reads text/plain JSON as the browser SDK sends it', async () => {
    const { deps } = memoryDeps();
    const headers = { ...auth, 'content-type': 'text/plain' };
    expect(await ingest(deps, 'track', { body: json(trackMessage()), headers })).toMatchObject({
      accepted: 1,
    });
  });
});

describe('a batch', () => {
  it('stores the valid messages, quarantines the invalid ones and reports them by index', async () => {
    const { deps, events, quarantine } = memoryDeps();
    const batch = [
      trackMessage({ messageId: 'ok-1' }),
      { type: 'track', userId: 'u', messageId: 'bad-1' },
      { type: 'explode', userId: 'u' },
      trackMessage({ messageId: 'ok-2' }),
      'not an object',
    ];
    const out = await ingest(deps, 'batch', { body: json({ batch }), headers: auth });
    expect(out.accepted).toBe(2);
    expect(out.rejected).toEqual([
      expect.objectContaining({ index: 1, messageId: 'bad-1', code: 'invalid_message' }),
      expect.objectContaining({
        index: 2,
        code: 'invalid_message',
        issues: [expect.objectContaining({ path: ['type'] })],
      }),
      expect.objectContaining({ index: 4, code: 'invalid_message' }),
    ]);
    expect(events.all.map((e) => e.messageId).sort()).toEqual(['ok-1', 'ok-2']);
    expect(quarantine.entries.map((e) => e.index)).toEqual([1, 2, 4]);
  });

  it('fails with 400 detail when every message is invalid', async () => {
    const { deps, quarantine } = memoryDeps();
    const err = await rejection(
      ingest(deps, 'batch', { body: json({ batch: [{ type: 'track' }] }), headers: auth }),
    );
    expect(err.code).toBe('no_valid_messages');
    expect(err.details).toMatchObject({ accepted: 0, rejected: [expect.objectContaining({ index: 0 })] });
    expect(quarantine.entries).toHaveLength(1);
  });

  it('quarantines a single oversize message and keeps the rest', async () => {
    const { deps } = memoryDeps();
    const batch = [
      trackMessage({ properties: { blob: 'y'.repeat(33 * 1024) } }),
      trackMessage({ messageId: 'small' }),
    ];
    const out = await ingest(deps, 'batch', { body: json({ batch }), headers: auth });
    expect(out).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'message_too_large' }] });
  });

  it('merges the batch context under each message context, the message winning', async () => {
    const { deps, events } = memoryDeps();
    const body = json({
      context: { library: { name: 'batch-lib', version: '1' }, ip: '10.0.0.1' },
      batch: [trackMessage({ context: { library: { name: 'msg-lib' } } })],
    });
    await ingest(deps, 'batch', { body, headers: auth });
    expect(events.all[0]?.context).toEqual({ library: { name: 'msg-lib', version: '1' }, ip: '10.0.0.1' });
  });
});

describe('clock skew', () => {
  it('corrects the timestamp by the difference between sentAt and receipt', async () => {
    const { deps, events } = memoryDeps();
    // The client clock runs 1 hour fast: it says it sent at 13:00 an event from 12:58; we received at 12:00.
    const msg = trackMessage({ timestamp: '2024-05-01T12:58:00.000Z', sentAt: '2024-05-01T13:00:00.000Z' });
    await ingest(deps, 'track', { body: json(msg), headers: auth });
    expect(events.all[0]).toMatchObject({
      timestamp: '2024-05-01T11:58:00.000Z',
      originalTimestamp: '2024-05-01T12:58:00.000Z',
      receivedAt: '2024-05-01T12:00:00.000Z',
    });
  });

  it("uses the batch's sentAt when the message has none", async () => {
    const { deps, events } = memoryDeps();
    const body = json({
      sentAt: '2024-05-01T12:00:10Z',
      batch: [trackMessage({ timestamp: '2024-05-01T12:00:05Z' })],
    });
    await ingest(deps, 'batch', { body, headers: auth });
    expect(events.all[0]?.timestamp).toBe('2024-05-01T11:59:55.000Z');
  });

  it('uses originalTimestamp when timestamp is absent (RudderStack)', async () => {
    const { deps, events } = memoryDeps();
    const msg = trackMessage({ timestamp: undefined, originalTimestamp: '2024-05-01T10:00:00+02:00' });
    await ingest(deps, 'track', { body: json(msg), headers: auth });
    expect(events.all[0]?.timestamp).toBe('2024-05-01T08:00:00.000Z');
  });

  it('uses the time of receipt when the message has no timestamp', async () => {
    const { deps, events } = memoryDeps();
    await ingest(deps, 'track', { body: json(trackMessage({ timestamp: undefined })), headers: auth });
    expect(events.all[0]?.timestamp).toBe(NOW.toISOString());
    expect(events.all[0]).not.toHaveProperty('originalTimestamp');
  });
});

describe('mass assignment', () => {
  it('never lets the client set receivedAt, sourceId or other server fields', async () => {
    const { deps, events } = memoryDeps();
    const msg = trackMessage({
      receivedAt: '1999-01-01T00:00:00Z',
      sourceId: 'evil',
      projectId: 'p',
      pk: 'P#x',
    });
    await ingest(deps, 'track', { body: json(msg), headers: auth });
    const stored = events.all[0]!;
    expect(stored.receivedAt).toBe(NOW.toISOString());
    expect(stored.sourceId).toBe('web');
    expect(stored.extra).toEqual({
      receivedAt: '1999-01-01T00:00:00Z',
      sourceId: 'evil',
      projectId: 'p',
      pk: 'P#x',
    });
  });

  it('ignores server fields in a batch envelope', async () => {
    const { deps, events } = memoryDeps();
    await ingest(deps, 'batch', { body: json({ sourceId: 'evil', batch: [trackMessage()] }), headers: auth });
    expect(events.all[0]?.sourceId).toBe('web');
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__ at the top level', '{"userId":"u","event":"e","__proto__":{"polluted":true}}'],
    ['__proto__ in properties', '{"userId":"u","event":"e","properties":{"__proto__":{"polluted":true}}}'],
    [
      'constructor.prototype deep inside',
      '{"userId":"u","event":"e","context":{"a":[{"constructor":{"prototype":{"polluted":true}}}]}}',
    ],
    ['prototype in traits', '{"userId":"u","event":"e","traits":{"prototype":1}}'],
  ])('rejects a message with %s and leaves Object.prototype alone', async (_name, body) => {
    const { deps, quarantine } = memoryDeps();
    const err = await rejection(ingest(deps, 'track', { body, headers: auth }));
    expect(err.code).toBe('invalid_message');
    expect(err.details.issues).toEqual([expect.objectContaining({ code: 'forbidden_key' })]);
    expect(quarantine.entries).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects only the polluted message of a batch', async () => {
    const { deps } = memoryDeps();
    const body = `{"batch":[${json(trackMessage())},{"type":"track","userId":"u","event":"e","__proto__":{"polluted":1}}]}`;
    const out = await ingest(deps, 'batch', { body, headers: auth });
    expect(out).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: 'invalid_message' }] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects __proto__ in the batch envelope as a whole', async () => {
    const { deps } = memoryDeps();
    const body = `{"batch":[${json(trackMessage())}],"context":{"__proto__":{"polluted":1}}}`;
    expect((await rejection(ingest(deps, 'batch', { body, headers: auth }))).code).toBe('invalid_batch');
  });
});

describe('unicode', () => {
  it('round-trips emoji, right-to-left text and astral characters', async () => {
    const { deps, events } = memoryDeps();
    const text = { emoji: '🛒🎉👩🏽‍💻', rtl: 'مرحبا بالعالم שלום', astral: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎', nul: 'a\u0000b' };
    await ingest(deps, 'track', {
      body: json(trackMessage({ event: 'Ürün Görüntülendi 🛍️', properties: text })),
      headers: auth,
    });
    expect(events.all[0]).toMatchObject({ event: 'Ürün Görüntülendi 🛍️', properties: text });
  });

  it('rejects a body that is not valid UTF-8', async () => {
    const { deps } = memoryDeps();
    const body = Buffer.concat([Buffer.from('{"userId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const err = await rejection(
      ingest(deps, 'track', { body: body.toString('base64'), isBase64Encoded: true, headers: auth }),
    );
    expect(err.code).toBe('invalid_json');
  });
});
