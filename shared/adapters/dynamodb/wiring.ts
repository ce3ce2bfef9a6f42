/** Builds the DynamoDB-backed stores from a function's environment, once per cold start. */
import * as z from 'zod/mini';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import { documentClient } from './client.js';
import { DynamoDbEventStore } from './event-store.js';
import { DynamoDbQuarantineStore } from './quarantine-store.js';
import { DynamoDbSourceStore } from './source-store.js';

/** Environment of the ingest and admin functions. */
export const StoresEnv = z.object({
  EVENTS_TABLE: z.string().check(z.minLength(1)),
  CONTROL_TABLE: z.string().check(z.minLength(1)),
  RETENTION_DAYS: z._default(
    z.coerce.number().check(z.positive(), z.refine(Number.isInteger, { message: 'must be a whole number' })),
    400,
  ),
});
export type StoresEnv = z.infer<typeof StoresEnv>;

/** Parses the environment, failing fast with the names of missing or invalid variables. */
export function parseStoresEnv(env: Record<string, string | undefined>): StoresEnv {
  const parsed = StoresEnv.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`invalid environment: ${names}`);
  }
  return parsed.data;
}

/** Event, quarantine and source stores on one DocumentClient; `hasher` keys the events' partitions. */
export function dynamoDbStores(env: StoresEnv, hasher: KeyedHasher, client = documentClient()) {
  return {
    events: new DynamoDbEventStore({
      client,
      tableName: env.EVENTS_TABLE,
      retentionDays: env.RETENTION_DAYS,
      hasher,
    }),
    quarantine: new DynamoDbQuarantineStore({
      client,
      tableName: env.CONTROL_TABLE,
      retentionDays: env.RETENTION_DAYS,
    }),
    sources: new DynamoDbSourceStore({ client, tableName: env.CONTROL_TABLE }),
  };
}
