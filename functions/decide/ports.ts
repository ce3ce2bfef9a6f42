/** ProfileReader and VariantCatalogue for decide: profiles (with scores) and approved content. */
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbContentStore } from '../../shared/adapters/dynamodb/content-store.js';
import { StoreProfileReader, StoreVariantCatalogue } from '../../shared/adapters/journeys/ports.js';
import { profileStore } from '../../shared/adapters/profiles/wiring.js';
import type { ProfileReader, VariantCatalogue } from '../../shared/ports/journeys.js';

/** ProfileReader and VariantCatalogue from the function's environment (PROFILES_TABLE, CONTENT_TABLE). */
export function decidePorts(env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  variants: VariantCatalogue;
} {
  const client = documentClient();
  const contentTable = env.CONTENT_TABLE;
  if (!contentTable) throw new Error('invalid environment: CONTENT_TABLE');
  return {
    profiles: new StoreProfileReader(profileStore(env, client).store),
    variants: new StoreVariantCatalogue(new DynamoDbContentStore({ client, tableName: contentTable })),
  };
}
