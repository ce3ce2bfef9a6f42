/** Builds the model registry from a function's environment, once per cold start. */
import * as z from 'zod';
import { documentClient } from './client.js';
import { DynamoDbModelRegistry } from './model-registry.js';

/** Environment naming the models table. */
export const ModelsTableEnv = z.object({ MODELS_TABLE: z.string().min(1) });

/** The registry on `MODELS_TABLE`; fails fast naming the variable when it is missing. */
export function modelRegistryFromEnv(
  env: Record<string, string | undefined>,
  client = documentClient(),
): DynamoDbModelRegistry {
  const parsed = ModelsTableEnv.safeParse(env);
  if (!parsed.success) throw new Error('invalid environment: MODELS_TABLE');
  return new DynamoDbModelRegistry({ client, tableName: parsed.data.MODELS_TABLE });
}
