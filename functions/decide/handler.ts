/** Lambda entry point. Env: JOURNEYS_TABLE, JOURNEYS_CONFIG (JSON, optional), plus what the wired ports need. */
import { journeyStores, journeysTableName } from '../../shared/adapters/dynamodb/journey-wiring.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { jsonLogger } from '../../shared/http/logger.js';
import { createDecideHandler } from './app.js';
import { decidePorts } from './ports.js';

const config = parseJourneysConfigEnv(process.env);
const stores = journeyStores(journeysTableName(process.env), config);
const ports = decidePorts(process.env);

export const handler = createDecideHandler(
  {
    profiles: ports.profiles,
    variants: ports.variants,
    bandit: stores.bandit,
    decisions: stores.decisions,
    random: Math.random,
    config: config.decide,
  },
  jsonLogger('decide'),
);
