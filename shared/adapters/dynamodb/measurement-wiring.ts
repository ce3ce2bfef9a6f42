/**
 * Measurement's adapters from a function's environment, once per cold start:
 *   JOURNEYS_TABLE      exposures, credits, counters (read/write)
 *   MESSAGES_TABLE      contact-pressure log and send ledger (read; attribution only)
 *   JOURNEYS_CONFIG     journey definitions (names, splits, offers) — optional, defaults
 *   MEASUREMENT_CONFIG  windows, statistics — optional, defaults
 */
import * as z from 'zod';
import { parseJourneysConfigEnv } from '../../config/journeys.js';
import { parseMeasurementConfigEnv } from '../../config/measurement.js';
import type { documentClient } from './client.js';
import { DecisionIncentives, DynamoDbMeasurementStore, DynamoDbTouchSource } from './measurement-store.js';

const Env = z.object({ JOURNEYS_TABLE: z.string().min(1), MESSAGES_TABLE: z.string().min(1).optional() });

/** The measurement store, touch source and incentive source, with the configurations. */
export function measurementPorts(
  env: Record<string, string | undefined>,
  client: ReturnType<typeof documentClient>,
) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const config = parseMeasurementConfigEnv(env);
  const journeys = parseJourneysConfigEnv(env);
  const tableName = parsed.data.JOURNEYS_TABLE;
  const maxAgeDays = Math.max(...Object.values(config.attribution).flatMap((w) => [w.sendDays, w.clickDays]));
  return {
    config,
    journeys,
    store: new DynamoDbMeasurementStore({ client, tableName, retentionDays: config.retentionDays }),
    touches: parsed.data.MESSAGES_TABLE
      ? new DynamoDbTouchSource({ client, messagesTable: parsed.data.MESSAGES_TABLE, maxAgeDays })
      : { recent: async () => [] },
    incentives: new DecisionIncentives({ client, tableName, journeys: journeys.journeys }),
  };
}
