/**
 * Lambda entry point of the provider-feedback function. A complaint withdraws email consent through the
 * profiles (env EVENTS_TABLE, PROFILES_TABLE, PROFILES_CONFIG optional, RETENTION_DAYS optional); the
 * suppressed addresses are hashed with the identity hash key (IDENTITY_HMAC_KEY_ARN).
 */

import { channelMetrics } from '../../shared/adapters/aws/channel-metrics.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { messageStores, parseMessagesEnv } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { profileConsentRecorderFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { channelsConfigFromEnv } from '../../shared/config/channels.js';
import { createProviderFeedbackHandler } from './app.js';

const env = parseMessagesEnv(process.env);
const config = channelsConfigFromEnv(process.env);
const stores = messageStores(env.MESSAGES_TABLE, config);
const hasher = await loadHasher(process.env);

const logger = lambdaLogger();
const app = createProviderFeedbackHandler({
  ledger: stores.ledger,
  suppressions: stores.suppressions,
  reputation: stores.reputation,
  consent: profileConsentRecorderFromEnv(process.env, hasher),
  hasher,
  config,
  metrics: channelMetrics(),
  logger,
  now: () => new Date(),
});

export const handler = withLambdaLogging(logger, app);
