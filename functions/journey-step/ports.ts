/** ProfileReader and ProfileWriter for journey-step, over the profiles table. */
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { StoreProfileReader, StoreProfileWriter } from '../../shared/adapters/journeys/ports.js';
import { profileStore } from '../../shared/adapters/profiles/wiring.js';
import type { ProfileReader, ProfileWriter } from '../../shared/ports/journeys.js';

/** ProfileReader and ProfileWriter from the function's environment (PROFILES_TABLE). */
export function journeyStepPorts(env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  profileWriter: ProfileWriter;
} {
  const client = documentClient();
  const { store } = profileStore(env, client);
  const tableName = env.PROFILES_TABLE!;
  return {
    profiles: new StoreProfileReader(store),
    profileWriter: new StoreProfileWriter({ client, tableName }),
  };
}
