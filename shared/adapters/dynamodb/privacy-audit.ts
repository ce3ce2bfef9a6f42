/**
 * ErasureAudit on the control table:
 *
 *   pk = 'ERASURE#<keyed hash of "profile:" + profileId>' (`<keyId>.<hex>`), sk = 'ERASURE'
 *     profileIdHash, liveProfileIdHash, status (started|completed), requestedAt, completedAt?, actor,
 *     counts (map: holder → items deleted), tombstones
 *
 * One item per erased profile id (the live one and each merged one), so a repeat erasure by any of
 * them finds the record. No TTL: the record is the proof of erasure and holds no personal data.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ErasureAudit, ErasureRecord } from '../../ports/privacy.js';
import { batchPut } from './batch-write.js';

const key = (hash: string) => ({ pk: `ERASURE#${hash}`, sk: 'ERASURE' });

/** DynamoDB implementation of ErasureAudit. */
export class DynamoDbErasureAudit implements ErasureAudit {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async put(records: readonly ErasureRecord[]): Promise<void> {
    await batchPut(
      this.options.client,
      this.options.tableName,
      records.map((r) => ({ ...key(r.profileIdHash), ...r })),
    );
  }

  async get(profileIdHash: string): Promise<ErasureRecord | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: key(profileIdHash), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as ErasureRecord;
  }
}
