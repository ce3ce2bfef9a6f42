/**
 * Contact-pressure state on the messages table: one item per profile and channel holding the recent
 * marketing sends (a rolling log, pruned to the longest cap window) and a version for optimistic locking.
 *
 *   pk = 'PRESSURE#<profileId>'  sk = '<channel>'
 *   s  = ['<epochMs>:<priority>:<messageId>', …]   v = version (1, 2, …)   expiresAt = TTL
 *
 * Slots are taken in the same transaction as the ledger claim (message-ledger.ts), so two journeys cannot
 * both take the last slot.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, PressureSend, PressureState, PressureStore } from '../../ports/channels.js';
import { isConditionalCheckFailed } from './conditions.js';

export const pressureKey = (profileId: string, channel: Channel) => ({
  pk: `PRESSURE#${profileId}`,
  sk: channel,
});

/** Keeps the item a little past its newest send's longest window. */
const KEEP_MS = 90 * 86_400_000;

const encode = (s: PressureSend) => `${s.at}:${s.priority}:${s.messageId}`;

/** A send of the rolling log (`<epochMs>:<priority>:<messageId>`); undefined for a malformed entry. */
export function decodePressureSend(value: string): PressureSend | undefined {
  const m = /^(\d+):(\d+):(.+)$/.exec(value);
  return m ? { at: Number(m[1]), priority: Number(m[2]), messageId: m[3]! } : undefined;
}

/** The pressure item written at `expectedVersion + 1`, with its optimistic-lock condition. */
export function pressurePut(
  tableName: string,
  profileId: string,
  channel: Channel,
  expectedVersion: number,
  sends: readonly PressureSend[],
) {
  const newest = Math.max(0, ...sends.map((s) => s.at));
  return {
    TableName: tableName,
    Item: {
      ...pressureKey(profileId, channel),
      s: sends.map(encode),
      v: expectedVersion + 1,
      expiresAt: Math.floor((newest + KEEP_MS) / 1000),
    },
    ConditionExpression: 'attribute_not_exists(v) OR v = :v',
    ExpressionAttributeValues: { ':v': expectedVersion },
  };
}

/** DynamoDB implementation of PressureStore. */
export class DynamoDbPressureStore implements PressureStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async load(profileId: string, channel: Channel): Promise<PressureState> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: pressureKey(profileId, channel),
        ConsistentRead: true,
      }),
    );
    const raw = Array.isArray(out.Item?.s) ? (out.Item.s as unknown[]) : [];
    return {
      sends: raw.flatMap((v) => (typeof v === 'string' ? (decodePressureSend(v) ?? []) : [])),
      version: typeof out.Item?.v === 'number' ? out.Item.v : 0,
    };
  }

  async release(profileId: string, channel: Channel, messageId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await this.load(profileId, channel);
      if (!state.sends.some((s) => s.messageId === messageId)) return;
      try {
        await this.options.client.send(
          new PutCommand(
            pressurePut(
              this.options.tableName,
              profileId,
              channel,
              state.version,
              state.sends.filter((s) => s.messageId !== messageId),
            ),
          ),
        );
        return;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
  }
}
