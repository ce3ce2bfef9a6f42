/** Builds the journeys-table stores from a function's environment, once per cold start. */
import * as z from 'zod';
import type { JourneysConfig } from '../../config/journeys.js';
import { documentClient } from './client.js';
import {
  DynamoDbAssignments,
  DynamoDbBanditStats,
  DynamoDbDecisionLog,
  DynamoDbEventOccurrences,
  DynamoDbMergeAliases,
  DynamoDbWaitTokens,
} from './journey-store.js';

export const JourneysTableEnv = z.object({ JOURNEYS_TABLE: z.string().min(1) });

/** The table name from `JOURNEYS_TABLE`, failing fast with the variable's name. */
export function journeysTableName(env: Record<string, string | undefined>): string {
  const parsed = JourneysTableEnv.safeParse(env);
  if (!parsed.success) throw new Error('invalid environment: JOURNEYS_TABLE');
  return parsed.data.JOURNEYS_TABLE;
}

/** Every journeys-table store on one DocumentClient. */
export function journeyStores(
  tableName: string,
  config: Pick<JourneysConfig, 'retentionDays' | 'auditRetentionDays'>,
  client = documentClient(),
) {
  return {
    tokens: new DynamoDbWaitTokens({ client, tableName }),
    occurrences: new DynamoDbEventOccurrences({ client, tableName, retentionDays: config.retentionDays }),
    assignments: new DynamoDbAssignments({ client, tableName, retentionDays: config.auditRetentionDays }),
    decisions: new DynamoDbDecisionLog({ client, tableName, retentionDays: config.auditRetentionDays }),
    bandit: new DynamoDbBanditStats({ client, tableName }),
    aliases: new DynamoDbMergeAliases({ client, tableName, retentionDays: config.auditRetentionDays }),
  };
}
