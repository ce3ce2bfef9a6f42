/**
 * Lambda entry point: wires the content adapters once per cold start (see shared/adapters/bedrock/wiring.ts),
 * and for previews the profiles (PROFILES_TABLE, read) and the channels' settings (CHANNELS_CONFIG).
 */
import { contentAdapters, parseContentEnv } from '../../shared/adapters/bedrock/wiring.js';
import { profileRecipientSourceFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { channelsConfigFromEnv } from '../../shared/config/channels.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createReviewHandler } from './app.js';

const adapters = contentAdapters(parseContentEnv(process.env));

export const handler = createReviewHandler(
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
  jsonLogger('review-content'),
);
