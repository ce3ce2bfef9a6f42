/** Builds the channels context's DynamoDB stores on the messages table, once per cold start. */
import * as z from 'zod';
import type { ChannelsConfig } from '../../config/channels.js';
import { documentClient } from './client.js';
import { DynamoDbInboxStore } from './message-inbox.js';
import { DynamoDbLedger } from './message-ledger.js';
import { DynamoDbPressureStore } from './message-pressure.js';
import { DynamoDbReputationStore } from './message-reputation.js';
import { DynamoDbSuppressionList } from './message-suppression.js';

export const MessagesEnv = z.object({ MESSAGES_TABLE: z.string().min(1) });
export type MessagesEnv = z.infer<typeof MessagesEnv>;

/** Parses the environment, failing fast with the names of missing variables. */
export function parseMessagesEnv(env: Record<string, string | undefined>): MessagesEnv {
  const parsed = MessagesEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

/** Ledger, suppression, pressure, reputation and inbox stores on one DocumentClient. */
export function messageStores(tableName: string, config: ChannelsConfig, client = documentClient()) {
  return {
    ledger: new DynamoDbLedger({ client, tableName, retentionDays: config.ledger.retentionDays }),
    suppressions: new DynamoDbSuppressionList({ client, tableName }),
    pressure: new DynamoDbPressureStore({ client, tableName }),
    // The pause flag is read on every marketing email; 30 s of caching bounds the reads per instance.
    reputation: new DynamoDbReputationStore({ client, tableName, pauseCacheMs: 30_000 }),
    inbox: new DynamoDbInboxStore({ client, tableName, retentionDays: config.inbox.retentionDays }),
  };
}
