import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../shared/adapters/dynamodb/source-store.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { hashWriteKey } from '../../shared/domain/sources.js';

/** Name of the source `npm start` registers for FELTFIT_WRITE_KEY. */
export const LOCAL_SOURCE = 'local';

/**
 * Registers the local dev source with the given write key, replacing the key a previous run
 * registered (the DynamoDB Local data persists between runs). Same store code as `feltfit sources`.
 */
export async function registerLocalSource(
  client: DynamoDBClient,
  tables: Record<string, string>,
  writeKey: string,
): Promise<void> {
  const tableName = tables.CONTROL_TABLE;
  if (!tableName) throw new Error('the template gives no function a CONTROL_TABLE');
  const store = new DynamoDbSourceStore({ client: documentClient(client), tableName });
  const now = new Date().toISOString();
  try {
    await store.revoke(LOCAL_SOURCE, now);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  await store.create({
    name: LOCAL_SOURCE,
    sourceId: LOCAL_SOURCE,
    keyHash: hashWriteKey(writeKey),
    createdAt: now,
  });
}
