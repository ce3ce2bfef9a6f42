import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalAudiencePlatforms } from '../../../infra/local/audience-platforms.js';
import { S3ExportDestination } from '../../../shared/adapters/audiences/s3-export.js';
import { normalizeIdentifiers, sha256Hex } from '../../../shared/domain/audiences/normalize.js';

const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
const s3 = mockClient(client);
beforeEach(() => s3.reset());

const at = new Date('2026-12-07T20:00:00.000Z');
const exporter = (c: S3Client = client) => new S3ExportDestination(c, { bucket: 'exports', now: () => at });
const audience = { destination: 's3' as const, externalId: 'audiences/buyers' };
const members = [
  { identifiers: normalizeIdentifiers('s3', { email: 'Jane@Example.com', country: 'FR' }) },
  { identifiers: normalizeIdentifiers('s3', { city: 'Paris' }) },
];
const failure = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });

describe('S3 export', () => {
  it('puts one CSV of hashed identifiers under the audience prefix and skips a member with no match key', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const result = await exporter().add(audience, members);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'exports', ContentType: 'text/csv' });
    expect(input.Key).toMatch(/^audiences\/buyers\/adds\/2026-12-07T20-00-00-000Z-[0-9a-f-]{36}\.csv$/);
    expect(input.Body).toBe(
      `email,phone,first_name,last_name,zip,city,state,country,extern_id,madid\n${sha256Hex('jane@example.com')},,,,,,,${sha256Hex('fr')},,\n`,
    );
    expect(result).toEqual({
      kind: 'done',
      rows: [
        { index: 0, outcome: 'accepted' },
        { index: 1, outcome: 'skipped', reason: 'no_match_key' },
      ],
      requestIds: [input.Key],
    });
  });

  it.each([
    ['SlowDown', 503, { kind: 'rate_limited', retryAfterSeconds: 5 }],
    ['InternalError', 500, { kind: 'failed', retryable: true, code: 'InternalError' }],
    ['AccessDenied', 403, { kind: 'failed', retryable: false, code: 'AccessDenied' }],
    ['NoSuchBucket', 404, { kind: 'failed', retryable: false, code: 'NoSuchBucket' }],
  ] as const)('maps %s (%i) to %o', async (name, status, expected) => {
    s3.on(PutObjectCommand).rejects(failure(name, status));
    expect(await exporter().remove(audience, members)).toMatchObject(expected);
  });

  it('writes a full list as numbered parts and a manifest, rewriting a part whose manifest failed', async () => {
    s3.on(PutObjectCommand)
      .resolvesOnce({})
      .resolvesOnce({})
      .rejectsOnce(failure('InternalError', 500))
      .resolves({});
    const session = await exporter().startRefresh(audience, 2);
    expect(await session.upload(members.slice(0, 1), false)).toMatchObject({ kind: 'done' });
    expect(await session.upload(members.slice(0, 1), true)).toMatchObject({
      kind: 'failed',
      retryable: true,
    });
    expect(await session.upload(members.slice(0, 1), true)).toMatchObject({ kind: 'done' });
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key!.split('/').slice(-1)[0]);
    expect(keys).toEqual([
      'part-00001.csv',
      'part-00002.csv',
      'manifest.json',
      'part-00002.csv',
      'manifest.json',
    ]);
    const manifest = JSON.parse(String(s3.commandCalls(PutObjectCommand)[4]!.args[0].input.Body));
    expect(manifest).toMatchObject({ sessionId: session.sessionId, parts: 2, rows: 2, complete: true });
  });
});

describe('S3 export against the local fake', () => {
  let fake: LocalAudiencePlatforms | undefined;
  afterEach(() => fake?.close());

  it('writes the object the real client puts to the outbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feltfit-s3-outbox-'));
    fake = new LocalAudiencePlatforms({ outboxDir: dir });
    const endpoint = await fake.listen();
    const real = new S3Client({
      region: 'eu-west-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const result = await exporter(real).add(audience, members);
    expect(result).toMatchObject({ kind: 'done' });
    const [file] = await readdir(dir);
    const entry = JSON.parse(await readFile(join(dir, file!), 'utf8'));
    expect(entry).toMatchObject({ destination: 's3', method: 'PUT', answer: { status: 200 } });
    expect(entry.path).toMatch(/^\/exports\/audiences\/buyers\/adds\//);
    expect(entry.body).toContain(sha256Hex('jane@example.com'));
  });
});
