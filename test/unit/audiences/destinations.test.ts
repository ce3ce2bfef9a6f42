import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AudienceFaults,
  AudienceFaultsConfigError,
  LocalAudiencePlatforms,
  parseAudienceFaults,
} from '../../../infra/local/audience-platforms.js';
import { SecretCredentials } from '../../../shared/adapters/audiences/credentials.js';
import { GoogleDestination } from '../../../shared/adapters/audiences/google.js';
import {
  BatchTooLargeError,
  RefreshUnsupportedError,
  type StaleMembers,
} from '../../../shared/adapters/audiences/http.js';
import { LinkedInDestination } from '../../../shared/adapters/audiences/linkedin.js';
import { MetaDestination } from '../../../shared/adapters/audiences/meta.js';
import { TikTokDestination } from '../../../shared/adapters/audiences/tiktok.js';
import {
  type AudienceDestination,
  type NormalizedIdentifiers,
  normalizeIdentifiers,
} from '../../../shared/domain/audiences/normalize.js';
import type {
  AudienceDestinationPort,
  AudienceMember,
  DestinationAudience,
} from '../../../shared/ports/audiences.js';
import { many, member } from './members.js';

/** A member whose email "hash" is not one: what a platform refuses row by row. */
const broken = (destination: AudienceDestination): AudienceMember => {
  const good = normalizeIdentifiers(destination, { email: 'broken@example.com' });
  const identifiers: NormalizedIdentifiers = {
    ...good,
    fields: { email: { ...good.fields.email!, value: 'not-a-sha256' } },
  };
  return { identifiers };
};

const ENV = {
  AUDIENCE_META_CREDENTIALS: '{"accessToken":"meta-token"}',
  AUDIENCE_GOOGLE_CREDENTIALS: '{"clientId":"c","clientSecret":"s","refreshToken":"r"}',
  AUDIENCE_TIKTOK_CREDENTIALS: '{"accessToken":"tiktok-token"}',
  AUDIENCE_LINKEDIN_CREDENTIALS: '{"accessToken":"linkedin-token"}',
};

let fake: LocalAudiencePlatforms | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(faults?: AudienceFaults, outboxDir?: string) {
  fake = new LocalAudiencePlatforms({ ...(faults ? { faults } : {}), ...(outboxDir ? { outboxDir } : {}) });
  return { fake, baseUrl: await fake.listen() };
}

function adapters(baseUrl: string, env: Record<string, string> = ENV, stale?: StaleMembers) {
  const credentials = new SecretCredentials(env);
  return {
    meta: new MetaDestination(credentials, { baseUrl, apiVersion: 'v25.0' }),
    google: new GoogleDestination(credentials, {
      baseUrl,
      account: {
        operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
        termsAccepted: true,
      },
      ...(stale ? { stale } : {}),
    }),
    tiktok: new TikTokDestination(credentials, {
      baseUrl,
      advertiserId: '7000',
      ...(stale ? { stale } : {}),
    }),
    linkedin: new LinkedInDestination(credentials, {
      baseUrl,
      apiVersion: '202611',
      ...(stale ? { stale } : {}),
    }),
  } satisfies Record<string, AudienceDestinationPort>;
}
type Platform = keyof ReturnType<typeof adapters>;
const PLATFORMS: Platform[] = ['meta', 'google', 'tiktok', 'linkedin'];
const audience = (destination: AudienceDestination): DestinationAudience => ({
  destination,
  externalId: '2385',
});

describe('each destination against its local fake', () => {
  it.each(PLATFORMS)(
    '%s accepts every member, skips one without a match key and records the request',
    async (p) => {
      const dir = await mkdtemp(join(tmpdir(), 'feltfit-audience-outbox-'));
      const { baseUrl } = await start(undefined, dir);
      const members = [...many(p, 2), member(p, { city: 'Paris' })];
      const result = await adapters(baseUrl)[p].add(audience(p), members);
      expect(result).toMatchObject({
        kind: 'done',
        rows: [
          { index: 0, outcome: 'accepted' },
          { index: 1, outcome: 'accepted' },
          { index: 2, outcome: 'skipped', reason: 'no_match_key' },
        ],
      });
      if (result.kind === 'done') expect(result.requestIds.length).toBe(1);
      const files = (await readdir(dir)).filter((f) =>
        new RegExp(`-audience-${p}-\\d+-[0-9a-f]{8}\\.audience\\.json$`).test(f),
      );
      expect(files).toHaveLength(1);
      const written = await readFile(join(dir, files[0]!), 'utf8');
      expect(written).toContain(members[0]!.identifiers.fields.email!.value);
      expect(written).not.toMatch(/token/i);
    },
  );

  it.each([
    ['meta', 'rate_limit', { kind: 'rate_limited', retryAfterSeconds: 120 }],
    ['google', 'rate_limit', { kind: 'rate_limited', retryAfterSeconds: 120 }],
    ['tiktok', 'rate_limit', { kind: 'rate_limited', retryAfterSeconds: 120 }],
    ['linkedin', 'rate_limit', { kind: 'rate_limited', retryAfterSeconds: 120 }],
    ['meta', 'server_error', { kind: 'failed', retryable: true, code: 'meta_2' }],
    ['google', 'server_error', { kind: 'failed', retryable: true, code: 'UNAVAILABLE' }],
    ['tiktok', 'server_error', { kind: 'failed', retryable: true, code: 'tiktok_50000' }],
    ['linkedin', 'server_error', { kind: 'failed', retryable: true, code: 'HTTP_500' }],
    ['meta', 'bad_request', { kind: 'failed', retryable: false, code: 'meta_100/1870034' }],
    ['google', 'bad_request', { kind: 'failed', retryable: false, code: 'INVALID_ARGUMENT' }],
    ['tiktok', 'bad_request', { kind: 'failed', retryable: false, code: 'tiktok_40002' }],
    ['linkedin', 'bad_request', { kind: 'failed', retryable: false, code: 'HTTP_400' }],
  ] as const)('%s maps an injected %s to %o', async (p, fault, expected) => {
    const { baseUrl } = await start({ [p]: { fault, every: 1, retryAfterSeconds: 120 } });
    expect(await adapters(baseUrl)[p].add(audience(p), many(p, 3))).toMatchObject(expected);
  });

  it.each([
    ['meta', 'invalid_entry'],
    ['google', 'INVALID_SHA256_FORMAT'],
    ['linkedin', 'Invalid SHA256_EMAIL idValue'],
  ] as const)('%s rejects the one bad row and accepts the others', async (p, reason) => {
    const { baseUrl } = await start();
    const result = await adapters(baseUrl)[p].add(audience(p), [...many(p, 1), broken(p), ...many(p, 1)]);
    expect(result).toMatchObject({
      kind: 'done',
      rows: [
        { index: 0, outcome: 'accepted' },
        { index: 1, outcome: 'rejected', reason },
        { index: 2, outcome: 'accepted' },
      ],
    });
  });

  it('Google resends the rows its fast-fail answer did not name, without the rejected one', async () => {
    const { fake, baseUrl } = await start({ google: { fault: 'partial', every: 2 } });
    const google = adapters(baseUrl).google;
    expect(await google.add(audience('google'), many('google', 1))).toMatchObject({ kind: 'done' });
    const result = await google.add(audience('google'), many('google', 3));
    expect(result).toMatchObject({
      kind: 'done',
      rows: [
        { outcome: 'rejected', reason: 'INVALID_AUDIENCE_MEMBER' },
        { outcome: 'accepted' },
        { outcome: 'accepted' },
      ],
    });
    const ingests = fake.received.filter((r) => r.destination === 'google');
    expect(ingests.map((r) => r.answer.status)).toEqual([200, 400, 200]);
    expect((ingests[2]!.body as { audienceMembers: unknown[] }).audienceMembers).toHaveLength(2);
    // One token for every call, sent with consent only on ingest.
    expect(fake.received.filter((r) => r.destination === 'google-oauth')).toHaveLength(1);
  });

  it('Google answers a refused token as retryable and fetches a new one for the next call', async () => {
    const { fake, baseUrl } = await start();
    let spoil = false;
    const fetchImpl = ((url: string, init: RequestInit) => {
      const headers = { ...(init.headers as Record<string, string>) };
      if (spoil && url.includes('audienceMembers')) headers.authorization = 'Bearer revoked';
      spoil = false;
      return fetch(url, { ...init, headers });
    }) as typeof fetch;
    const google = new GoogleDestination(new SecretCredentials(ENV), {
      baseUrl,
      fetch: fetchImpl,
      account: { operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1' }, termsAccepted: false },
    });
    expect(await google.add(audience('google'), many('google', 1))).toMatchObject({ kind: 'done' });
    spoil = true;
    expect(await google.add(audience('google'), many('google', 1))).toMatchObject({
      kind: 'failed',
      retryable: true,
      code: 'UNAUTHENTICATED',
    });
    expect(await google.add(audience('google'), many('google', 1))).toMatchObject({ kind: 'done' });
    expect(fake.received.filter((r) => r.destination === 'google-oauth')).toHaveLength(2);
  });

  it('Google sends the consent of each member it ingests', async () => {
    const { fake, baseUrl } = await start();
    await adapters(baseUrl).google.add(audience('google'), [
      member('google', { email: 'a@example.com' }, { adUserData: true, adPersonalization: false }),
    ]);
    const body = fake.received.find((r) => r.destination === 'google')!.body as {
      audienceMembers: { consent: unknown }[];
    };
    expect(body.audienceMembers[0]!.consent).toEqual({
      adUserData: 'CONSENT_GRANTED',
      adPersonalization: 'CONSENT_DENIED',
    });
  });

  it('refuses more members than one request takes', async () => {
    const { baseUrl } = await start();
    await expect(adapters(baseUrl).tiktok.add(audience('tiktok'), many('tiktok', 1_001))).rejects.toThrow(
      BatchTooLargeError,
    );
  });

  it('answers a missing secret as a failure that is not retried', async () => {
    const { baseUrl } = await start();
    expect(await adapters(baseUrl, {}).linkedin.add(audience('linkedin'), many('linkedin', 1))).toMatchObject(
      {
        kind: 'failed',
        retryable: false,
        code: 'credentials_unavailable',
        message: 'invalid environment: set AUDIENCE_LINKEDIN_CREDENTIALS or AUDIENCE_LINKEDIN_SECRET_ARN',
      },
    );
  });

  it('answers a network error as retryable', async () => {
    const meta = adapters('http://127.0.0.1:9').meta;
    expect(await meta.add(audience('meta'), many('meta', 1))).toMatchObject({
      kind: 'failed',
      retryable: true,
      code: 'network_error',
    });
  });
});

describe('full refresh', () => {
  it('Meta numbers the batches of one usersreplace session and resends a throttled batch with its number', async () => {
    const { fake, baseUrl } = await start({ meta: { fault: 'rate_limit', every: 2, retryAfterSeconds: 60 } });
    const session = await adapters(baseUrl).meta.startRefresh(audience('meta'), 4);
    expect(await session.upload(many('meta', 2), false)).toMatchObject({ kind: 'done' });
    expect(await session.upload(many('meta', 2), true)).toEqual({
      kind: 'rate_limited',
      retryAfterSeconds: 60,
    });
    expect(await session.upload(many('meta', 2), true)).toMatchObject({ kind: 'done' });
    const sessions = fake.received.map((r) => (r.body as { session: Record<string, unknown> }).session);
    expect(sessions.map((s) => [s.batch_seq, s.last_batch_flag])).toEqual([
      [1, false],
      [2, true],
      [2, true],
    ]);
    expect(new Set(sessions.map((s) => s.session_id)).size).toBe(1);
    expect(fake.received.every((r) => r.path.endsWith('/2385/usersreplace'))).toBe(true);
  });

  it.each(['google', 'tiktok', 'linkedin'] as const)(
    '%s adds every batch, then removes the members synced before the session began',
    async (p) => {
      const { fake, baseUrl } = await start();
      const asked: string[] = [];
      const stale: StaleMembers = {
        async *syncedBefore(_audience, before) {
          asked.push(before);
          yield many(p, 2).slice(1);
        },
      };
      const session = await adapters(baseUrl, ENV, stale)[p].startRefresh(audience(p), 2);
      expect(await session.upload(many(p, 1), false)).toMatchObject({ kind: 'done' });
      expect(asked).toEqual([]);
      expect(await session.upload(many(p, 1), true)).toMatchObject({ kind: 'done' });
      expect(asked).toEqual([session.startedAt]);
      const calls = fake.received.filter((r) => r.destination === p);
      const ops = calls.map((r) => {
        const b = r.body as { action?: string; elements?: { action: string }[] };
        return r.path.endsWith(':remove')
          ? 'remove'
          : r.path.endsWith(':ingest')
            ? 'add'
            : (b.action ?? b.elements?.[0]?.action)?.toLowerCase();
      });
      expect(ops).toEqual(['add', 'add', p === 'tiktok' ? 'delete' : 'remove']);
    },
  );

  it('refuses a refresh without the members last synced on a platform with no replace API', async () => {
    const { baseUrl } = await start();
    await expect(adapters(baseUrl).linkedin.startRefresh(audience('linkedin'), 1)).rejects.toThrow(
      RefreshUnsupportedError,
    );
  });
});

describe('the fake', () => {
  it('reads injected faults from FELTFIT_AUDIENCE_FAULTS', () => {
    expect(parseAudienceFaults('meta=rate_limit:3, google=partial:2')).toEqual({
      meta: { fault: 'rate_limit', every: 3 },
      google: { fault: 'partial', every: 2 },
    });
    expect(parseAudienceFaults('')).toBeUndefined();
    expect(() => parseAudienceFaults('meta=slow:3')).toThrow(AudienceFaultsConfigError);
    expect(() => parseAudienceFaults('meta')).toThrow(/platform=fault:every/);
  });

  it('refuses a Google call without the token its OAuth endpoint issued', async () => {
    const { baseUrl } = await start();
    const res = await fetch(`${baseUrl}/v1/audienceMembers:ingest`, {
      method: 'POST',
      headers: { authorization: 'Bearer made-up' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });
});

describe('credentials', () => {
  it('reads a secret through the secrets extension once per five minutes', async () => {
    let now = 0;
    const calls: string[] = [];
    const fetchImpl = (async (url: string) => {
      calls.push(url);
      return new Response(JSON.stringify({ SecretString: '{"accessToken":"t"}' }));
    }) as typeof fetch;
    const source = new SecretCredentials({ AUDIENCE_META_SECRET_ARN: 'arn:meta' }, fetchImpl, () => now);
    expect(await source.secret('meta')).toBe('{"accessToken":"t"}');
    now = 299_000;
    await source.secret('meta');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('secretId=arn%3Ameta');
    now = 301_000;
    await source.secret('meta');
    expect(calls).toHaveLength(2);
  });
});
