/**
 * Lambda entry point of the send function: wires adapters once per cold start. Recipients are read from
 * the live profiles (env PROFILES_TABLE, PROFILES_CONFIG optional). Sent messages are counted per
 * fairness cohort and as content-bandit exposures on the journeys table (env JOURNEYS_TABLE;
 * MEASUREMENT_CONFIG optional). FELTFIT_TIME_SCALE (local runs only) compresses the guardrail windows.
 */

import { channelMetrics } from '../../shared/adapters/aws/channel-metrics.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { DynamoDbMessageOutcomeLog } from '../../shared/adapters/dynamodb/activity-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbBanditStats } from '../../shared/adapters/dynamodb/journey-store.js';
import { journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { DynamoDbMeasurementStore } from '../../shared/adapters/dynamodb/measurement-store.js';
import { DynamoDbMessageLog, fanOutOutcomes } from '../../shared/adapters/dynamodb/message-log.js';
import { messageStores, parseMessagesEnv } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { loadSecret, providerSenders } from '../../shared/adapters/outbox/channel-wiring.js';
import { profileRecipientSourceFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { channelsConfigFromEnv, timeScaleFromEnv } from '../../shared/config/channels.js';
import { parseMeasurementConfigEnv } from '../../shared/config/measurement.js';
import { timeSortableId } from '../../shared/domain/channels/ids.js';
import { MESSAGE_LOG_RETENTION_DAYS } from '../../shared/domain/channels/message-log.js';
import { scaleGuardrailWindows } from '../../shared/domain/channels/time-scale.js';
import { createSendHandler } from './app.js';

const env = parseMessagesEnv(process.env);
// FELTFIT_TIME_SCALE is set only by the local runtime (its journey speed-up): the cap windows shrink
// with the waits. Absent in AWS: 1, the configuration as it is.
const timeScale = timeScaleFromEnv(process.env);
const config = scaleGuardrailWindows(channelsConfigFromEnv(process.env), timeScale);
const client = documentClient();
const stores = messageStores(env.MESSAGES_TABLE, config, client);
const senders = providerSenders(process.env, config);

const logger = lambdaLogger();
const app = createSendHandler({
  ...stores,
  ...senders,
  recipients: profileRecipientSourceFromEnv(process.env),
  config,
  timeScale,
  unsubscribeSecret: await loadSecret('UNSUBSCRIBE_SECRET', process.env),
  // Suppressions are looked up by the keyed hash of the address (every key of a rotation).
  hasher: await loadHasher(process.env),
  metrics: channelMetrics(),
  logger,
  now: () => new Date(),
  newId: () => timeSortableId(),
  // Counts sent messages and offers per fairness cohort (only executions that carry one).
  cohorts: new DynamoDbMeasurementStore({
    client,
    tableName: journeysTableName(process.env),
    retentionDays: parseMeasurementConfigEnv(process.env).retentionDays,
  }),
  // Counts a sent variant as an exposure of the content bandit of the step that decided it.
  bandit: new DynamoDbBanditStats({ client, tableName: journeysTableName(process.env) }),
  // The per-person message log and the daily outcome counters the console reads,
  // and the delivery log the Messages page lists newest first.
  outcomes: fanOutOutcomes(
    new DynamoDbMessageOutcomeLog({
      client,
      tableName: env.MESSAGES_TABLE,
      retentionDays: config.ledger.retentionDays,
    }),
    new DynamoDbMessageLog({
      client,
      tableName: env.MESSAGES_TABLE,
      retentionDays: MESSAGE_LOG_RETENTION_DAYS,
    }),
  ),
});

export const handler = withLambdaLogging(logger, app);
