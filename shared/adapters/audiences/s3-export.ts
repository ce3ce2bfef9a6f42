/**
 * The generic export behind the destination port: one CSV of hashed identifiers per call, put to S3
 * under the audience's key prefix (its `externalId`), for platforms Feltfit has no adapter for:
 *   {prefix}/adds/{time}-{id}.csv, {prefix}/removes/{time}-{id}.csv,
 *   {prefix}/full/{time}-{session}/part-00001.csv … and, after the last part, manifest.json
 *   ({ sessionId, startedAt, parts, rows, complete: true }): a reader takes a full list only once
 *   its manifest exists.
 * Columns: email, phone, first_name, last_name, zip, city, state, country, extern_id, madid — every
 * value SHA-256 hex (the export normalises by Meta's rules and hashes everything), empty when unknown.
 * Answers mapped: SlowDown / 503 / throttling → rate_limited; other 5xx, timeouts and network errors →
 * failed, retryable; AccessDenied, NoSuchBucket and other 4xx → failed. Locally the S3 client's
 * endpoint is the fake (infra/local/audience-platforms.ts), which writes the objects to the outbox.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { IdentifierField } from '../../domain/audiences/normalize.js';
import { batches } from '../../domain/audiences/requests/http.js';
import type {
  AudienceDestinationPort,
  AudienceMember,
  DestinationAudience,
  RefreshSession,
  UploadResult,
} from '../../ports/audiences.js';
import { checkBatch, rowResults } from './http.js';

export const S3_MAX_ROWS = 10_000;

/** CSV columns and the identifier each holds. */
export const S3_COLUMNS: readonly (readonly [string, IdentifierField])[] = [
  ['email', 'email'],
  ['phone', 'phone'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['zip', 'zip'],
  ['city', 'city'],
  ['state', 'state'],
  ['country', 'country'],
  ['extern_id', 'externId'],
  ['madid', 'madid'],
];

const THROTTLES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded']);
const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

/** The CSV of the members with a match key (values are hex, so nothing needs quoting). */
export function exportCsv(members: readonly AudienceMember[]): string {
  const lines = [S3_COLUMNS.map(([name]) => name).join(',')];
  for (const m of members)
    lines.push(S3_COLUMNS.map(([, field]) => m.identifiers.fields[field]?.value ?? '').join(','));
  return `${lines.join('\n')}\n`;
}

/** Maps an S3 client error to the port's result. */
export function s3Failure(err: unknown): UploadResult {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLES.has(name) || status === 503) return { kind: 'rate_limited', retryAfterSeconds: 5 };
  const retryable =
    (status !== undefined && status >= 500) ||
    name === 'TimeoutError' ||
    name === 'InternalError' ||
    (status === undefined && !(err instanceof TypeError));
  return { kind: 'failed', retryable, code: name, message: e.message ?? name };
}

/** CSV export to an S3 bucket. */
export class S3ExportDestination implements AudienceDestinationPort {
  readonly destination = 's3' as const;
  readonly maxBatchSize = S3_MAX_ROWS;

  constructor(
    private readonly client: Pick<S3Client, 'send'>,
    private readonly options: { readonly bucket: string; readonly now?: () => Date },
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async put(key: string, body: string, type: string): Promise<UploadResult | undefined> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: type }),
      );
      return undefined;
    } catch (err) {
      return s3Failure(err);
    }
  }

  /** Puts the CSV of `members` at `key`; done with every row accepted, or the failure. */
  private async exportTo(key: string, members: readonly AudienceMember[]): Promise<UploadResult> {
    checkBatch(members, this.maxBatchSize);
    const { batches: chunks, skipped } = batches('s3', members, this.maxBatchSize);
    const kept = chunks[0]?.map((c) => c.member) ?? [];
    if (kept.length === 0) return { kind: 'done', rows: rowResults(members.length, skipped), requestIds: [] };
    const failure = await this.put(key, exportCsv(kept), 'text/csv');
    return failure ?? { kind: 'done', rows: rowResults(members.length, skipped), requestIds: [key] };
  }

  private key(audience: DestinationAudience, kind: 'adds' | 'removes'): string {
    return `${audience.externalId.replace(/\/+$/, '')}/${kind}/${stamp(this.now())}-${randomUUID()}.csv`;
  }

  add(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.exportTo(this.key(audience, 'adds'), members);
  }

  remove(audience: DestinationAudience, members: readonly AudienceMember[]): Promise<UploadResult> {
    return this.exportTo(this.key(audience, 'removes'), members);
  }

  /** A full list in numbered parts; the manifest written after the last part marks it complete. */
  async startRefresh(audience: DestinationAudience, _estimatedTotal: number): Promise<RefreshSession> {
    const startedAt = this.now();
    const sessionId = randomUUID();
    const folder = `${audience.externalId.replace(/\/+$/, '')}/full/${stamp(startedAt)}-${sessionId}`;
    let parts = 0;
    let rows = 0;
    return {
      sessionId,
      startedAt: startedAt.toISOString(),
      upload: async (members, last) => {
        // A part's number advances only once it (and, for the last, the manifest) is written, so a
        // retried batch overwrites its own part instead of adding a second copy under a new name.
        const part = `${folder}/part-${String(parts + 1).padStart(5, '0')}.csv`;
        const result = await this.exportTo(part, members);
        if (result.kind !== 'done') return result;
        const written = result.requestIds.length > 0 ? 1 : 0;
        const accepted = result.rows.filter((r) => r.outcome === 'accepted').length;
        if (!last) {
          parts += written;
          rows += accepted;
          return result;
        }
        const manifest = {
          sessionId,
          startedAt: startedAt.toISOString(),
          parts: parts + written,
          rows: rows + accepted,
          complete: true,
        };
        const failure = await this.put(
          `${folder}/manifest.json`,
          JSON.stringify(manifest),
          'application/json',
        );
        if (failure) return failure;
        parts += written;
        rows += accepted;
        return { ...result, requestIds: [...result.requestIds, `${folder}/manifest.json`] };
      },
    };
  }
}
