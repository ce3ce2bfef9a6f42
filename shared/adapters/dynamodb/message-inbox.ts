/**
 * In-app inbox on the messages table, newest first (message ids sort by creation time).
 *
 *   pk = 'INBOX#<profileId>'  sk = 'M#<messageId>'  title, body, journey, variantId, createdAt, readAt?, expiresAt
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InboxMessage, InboxStore } from '../../ports/channels.js';
import { isConditionalCheckFailed } from './conditions.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const inboxKey = (profileId: string, messageId: string) => ({
  pk: `INBOX#${profileId}`,
  sk: `M#${messageId}`,
});

/** DynamoDB implementation of InboxStore. */
export class DynamoDbInboxStore implements InboxStore {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
    },
  ) {}

  async put(message: InboxMessage): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...inboxKey(message.profileId, message.messageId),
          title: message.title,
          body: message.body,
          journey: message.journey,
          variantId: message.variantId,
          createdAt: message.createdAt,
          expiresAt: Math.floor(Date.parse(message.createdAt) / 1000) + this.options.retentionDays * 86_400,
        },
      }),
    );
  }

  async list(
    profileId: string,
    query: { limit: number; cursor?: string },
  ): Promise<{ messages: InboxMessage[]; cursor?: string }> {
    const pk = `INBOX#${profileId}`;
    const start = query.cursor
      ? decodeCursor(query.cursor, (c) => c.pk === pk && typeof c.sk === 'string' && c.sk.startsWith('M#'))
      : undefined;
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': pk, ':m': 'M#' },
        ScanIndexForward: false,
        Limit: query.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const messages = (out.Items ?? []).map(
      (i): InboxMessage => ({
        messageId: String(i.sk).slice(2),
        profileId,
        title: String(i.title ?? ''),
        body: String(i.body ?? ''),
        journey: String(i.journey ?? ''),
        variantId: String(i.variantId ?? ''),
        createdAt: String(i.createdAt),
        ...(typeof i.readAt === 'string' ? { readAt: i.readAt } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      messages,
      ...(last ? { cursor: encodeCursor({ pk: String(last.pk), sk: String(last.sk) }) } : {}),
    };
  }

  async markRead(profileId: string, messageId: string, at: string): Promise<boolean> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: inboxKey(profileId, messageId),
          UpdateExpression: 'SET readAt = if_not_exists(readAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
