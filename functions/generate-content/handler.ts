/** Lambda entry point: wires the content adapters once per cold start (see shared/adapters/bedrock/wiring.ts). */
import { randomUUID } from 'node:crypto';
import { contentAdapters, parseContentEnv } from '../../shared/adapters/bedrock/wiring.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createGenerateHandler } from './app.js';

const adapters = contentAdapters(parseContentEnv(process.env));

export const handler = createGenerateHandler(
  {
    config: adapters.config,
    generator: adapters.generator,
    budget: adapters.budget,
    store: adapters.store,
    now: () => new Date(),
    newId: randomUUID,
  },
  jsonLogger('generate-content'),
);
