/** Lambda entry point: wires the content adapters once per cold start (see shared/adapters/bedrock/wiring.ts). */
import { contentAdapters, parseContentEnv } from '../../shared/adapters/bedrock/wiring.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createReviewHandler } from './app.js';

const adapters = contentAdapters(parseContentEnv(process.env));

export const handler = createReviewHandler(
  {
    config: adapters.config,
    store: adapters.store,
    guardrail: adapters.guardrail,
    now: () => new Date(),
  },
  jsonLogger('review-content'),
);
