/**
 * Journey pause flags on the journeys table:
 *
 *   pause state   pk 'JOURNEY#<journey>'   sk 'STATE'             paused, by, at (no expiry)
 *   pause audit   pk 'JOURNEY#<journey>'   sk 'AUDIT#<at>'        paused, by, at (audit retention)
 *
 * start-journey reads the state item (cached briefly); the console writes both.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JourneyPauseState, JourneyPauses } from '../../ports/journey-admin.js';

export class DynamoDbJourneyPauses implements JourneyPauses {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
    },
  ) {}

  async get(journey: string): Promise<JourneyPauseState | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: `JOURNEY#${journey}`, sk: 'STATE' } }),
    );
    const i = out.Item;
    if (!i) return undefined;
    return { paused: i.paused === true, by: String(i.by ?? ''), at: String(i.at ?? '') };
  }

  async set(journey: string, state: JourneyPauseState): Promise<void> {
    const { client, tableName, retentionDays } = this.options;
    await client.send(
      new PutCommand({ TableName: tableName, Item: { pk: `JOURNEY#${journey}`, sk: 'STATE', ...state } }),
    );
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `JOURNEY#${journey}`,
          sk: `AUDIT#${state.at}`,
          ...state,
          expiresAt: Math.floor(Date.parse(state.at) / 1000) + retentionDays * 86_400,
        },
      }),
    );
  }
}
