/**
 * Data-quality reads and the source freshness marker.
 *
 * Control table: `pk = 'SOURCE_SEEN', sk = <sourceId>`, `lastReceivedAt` (ISO) — moved forward only,
 * written by ingest at most once a minute per source and instance; the report reads it with one Query.
 *
 * Profiles table: a Scan filtered to profile items and merge records, projecting only what is counted,
 * stopped after `maxScannedItems` items read (the report then says it is partial).
 */
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProfileStats, ProfileStatsReader, SourceSeenStore } from '../../ports/privacy.js';
import { isConditionalCheckFailed } from './conditions.js';

const SEEN_PK = 'SOURCE_SEEN';

/** DynamoDB implementation of SourceSeenStore (control table). */
export class DynamoDbSourceSeenStore implements SourceSeenStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async markSeen(sourceId: string, receivedAt: string): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: SEEN_PK, sk: sourceId },
          UpdateExpression: 'SET lastReceivedAt = :t',
          ConditionExpression: 'attribute_not_exists(lastReceivedAt) OR lastReceivedAt < :t',
          ExpressionAttributeValues: { ':t': receivedAt },
        }),
      );
    } catch (err) {
      // Another instance recorded a later time: nothing to do.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async lastSeen(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': SEEN_PK },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.lastReceivedAt === 'string') out[String(item.sk)] = item.lastReceivedAt;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}

/** Profile statistics by a capped, filtered Scan of the profiles table. */
export class DynamoDbProfileStats implements ProfileStatsReader {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async profileStats(options: { readonly maxScannedItems: number }): Promise<ProfileStats> {
    const s = {
      profiles: 0,
      mergedProfiles: 0,
      refusedMerges: 0,
      withEmail: 0,
      withPhone: 0,
      withContactAddress: 0,
      emailMarketingConsent: 0,
      smsMarketingConsent: 0,
    };
    let scanned = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: 'sk = :p OR begins_with(sk, :m)',
          // Existence is all that is counted; addresses are read but never kept or logged.
          ProjectionExpression: 'sk, mergedInto, outcome, #c.#e, #c.#ph, #f.#cs',
          ExpressionAttributeNames: {
            '#c': 'contact',
            '#e': 'email',
            '#ph': 'phone',
            '#f': 'features',
            '#cs': 'consent',
          },
          ExpressionAttributeValues: { ':p': 'PROFILE', ':m': 'MERGE#' },
          Limit: Math.min(1000, options.maxScannedItems - scanned),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      scanned += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        if (item.sk !== 'PROFILE') {
          if (item.outcome === 'refused') s.refusedMerges++;
          continue;
        }
        if (typeof item.mergedInto === 'string') {
          s.mergedProfiles++;
          continue;
        }
        s.profiles++;
        const contact = (item.contact ?? {}) as { email?: unknown; phone?: unknown };
        const consent = ((item.features as { consent?: Record<string, unknown> } | undefined)?.consent ??
          {}) as Record<string, unknown>;
        const email = typeof contact.email === 'string';
        const phone = typeof contact.phone === 'string';
        if (email) s.withEmail++;
        if (phone) s.withPhone++;
        if (email || phone) s.withContactAddress++;
        if (consent['email:marketing'] === true) s.emailMarketingConsent++;
        if (consent['sms:marketing'] === true) s.smsMarketingConsent++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && scanned < options.maxScannedItems);
    return { ...s, scannedItems: scanned, complete: startKey === undefined };
  }
}
