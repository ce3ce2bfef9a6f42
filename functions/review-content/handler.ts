/**
 * Lambda entry point: wires the content adapters once per cold start (see shared/adapters/bedrock/wiring.ts),
 * and for previews the profiles (PROFILES_TABLE, read) and the channels' settings (CHANNELS_CONFIG).
 */

import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { contentAdapters, parseContentEnv } from '../../shared/adapters/bedrock/wiring.js';
import { profileRecipientSourceFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { channelsConfigFromEnv } from '../../shared/config/channels.js';
import { createReviewHandler } from './app.js';

const adapters = contentAdapters(parseContentEnv(process.env));

const logger = lambdaLogger();
const app = createReviewHandler(
  {
    config: adapters.config,
    store: adapters.store,
    guardrail: adapters.guardrail,
    now: () => new Date(),
    // Previews read the person's traits (PROFILES_TABLE, read-only) and mirror the send's settings.
    preview: {
      recipients: profileRecipientSourceFromEnv(process.env),
      channels: channelsConfigFromEnv(process.env),
    },
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
