/**
 * Suppression list on the messages table; addresses only ever as hashes.
 *
 *   pk = 'SUP#A#<addressHash>'  sk = '<reason>'            channel, at, source
 *   pk = 'SUP#P#<profileId>'    sk = '<channel>#<reason>'  channel, at, source
 *
 * Entries do not expire: a hard bounce, complaint or STOP stands until an operator removes it.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, SuppressionEntry, SuppressionList } from '../../ports/channels.js';

const REASONS = new Set(['hard_bounce', 'complaint', 'unsubscribe', 'sms_stop', 'endpoint_disabled']);

function fromItem(item: Record<string, unknown>): SuppressionEntry | undefined {
  const reason = String(item.reason);
  if (!REASONS.has(reason)) return undefined;
  return {
    reason: reason as SuppressionEntry['reason'],
    channel: String(item.channel) as Channel,
    at: String(item.at),
    source: String(item.source),
  };
}

/** DynamoDB implementation of SuppressionList. */
export class DynamoDbSuppressionList implements SuppressionList {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  private async query(pk: string, prefix?: string): Promise<SuppressionEntry[]> {
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':p': prefix } : {}) },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).flatMap((i) => fromItem(i) ?? []);
  }

  async find(query: {
    addressHashes: readonly string[];
    profileId: string;
    channel: Channel;
  }): Promise<SuppressionEntry[]> {
    const results = await Promise.all([
      ...query.addressHashes.map((h) => this.query(`SUP#A#${h}`)),
      this.query(`SUP#P#${query.profileId}`, `${query.channel}#`),
    ]);
    return results.flat();
  }

  async suppress(keys: { addressHash?: string; profileId?: string }, entry: SuppressionEntry): Promise<void> {
    const body = { reason: entry.reason, channel: entry.channel, at: entry.at, source: entry.source };
    const puts: Promise<unknown>[] = [];
    if (keys.addressHash) {
      puts.push(
        this.options.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { pk: `SUP#A#${keys.addressHash}`, sk: entry.reason, ...body },
          }),
        ),
      );
    }
    if (keys.profileId) {
      puts.push(
        this.options.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { pk: `SUP#P#${keys.profileId}`, sk: `${entry.channel}#${entry.reason}`, ...body },
          }),
        ),
      );
    }
    await Promise.all(puts);
  }
}
