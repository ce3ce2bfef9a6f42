/**
 * Lambda entry point of the campaigns function. Env: PROFILES_TABLE (+ PROFILES_CONFIG), JOURNEYS_TABLE
 * (saved audiences, run records, assignments), MESSAGES_TABLE (suppressions, pressure, the send
 * ledger), CONTENT_TABLE (approved variants), JOURNEYS_CONFIG, CHANNELS_CONFIG,
 * CAMPAIGN_STATE_MACHINE_ARN, IDENTITY_HMAC_KEY_ARN (suppression lookups); FELTFIT_TIME_SCALE locally.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import {
  DynamoDbAssignmentLookup,
  DynamoDbAudienceStore,
  DynamoDbLedgerLookup,
  DynamoDbRunStore,
} from '../../shared/adapters/dynamodb/campaign-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbContentStore } from '../../shared/adapters/dynamodb/content-store.js';
import { messageStores } from '../../shared/adapters/dynamodb/message-wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import {
  ContentVariantCatalogue,
  DynamoDbBriefSteps,
} from '../../shared/adapters/journey-ports/variant-catalogue.js';
import { audienceSourceFromEnv } from '../../shared/adapters/journey-ports/wiring.js';
import { profileRecipientSourceFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { StepFunctionsRunExecutions } from '../../shared/adapters/sfn/campaign-executions.js';
import { channelsConfigFromEnv, timeScaleFromEnv } from '../../shared/config/channels.js';
import { parseJourneysConfigEnv } from '../../shared/config/journeys.js';
import { scaleGuardrailWindows } from '../../shared/domain/channels/time-scale.js';
import { createCampaignsHandler } from './app.js';

const Env = z.object({
  JOURNEYS_TABLE: z.string().min(1),
  MESSAGES_TABLE: z.string().min(1),
  CONTENT_TABLE: z.string().min(1),
  CAMPAIGN_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
});
const parsed = Env.safeParse(process.env);
if (!parsed.success)
  throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
const env = parsed.data;

const client = documentClient();
const timeScale = timeScaleFromEnv(process.env);
const channels = scaleGuardrailWindows(channelsConfigFromEnv(process.env), timeScale);
const messages = messageStores(env.MESSAGES_TABLE, channels, client);
const journeysTable = { client, tableName: env.JOURNEYS_TABLE };

const logger = lambdaLogger();
const app = createCampaignsHandler(
  {
    journeys: parseJourneysConfigEnv(process.env).journeys,
    // Read on every launch and estimate: a variant approved a moment ago counts.
    variants: new ContentVariantCatalogue({
      store: new DynamoDbContentStore({ client, tableName: env.CONTENT_TABLE }),
      briefs: new DynamoDbBriefSteps({ client, tableName: env.CONTENT_TABLE }),
      ttlMs: 0,
    }),
    audiences: new DynamoDbAudienceStore(journeysTable),
    source: audienceSourceFromEnv(process.env, client),
    recipients: profileRecipientSourceFromEnv(process.env, client),
    // The estimate looks suppressions up by the keyed hash of the address, as the send function does.
    hasher: await loadHasher(process.env),
    suppressions: messages.suppressions,
    pressure: messages.pressure,
    channels,
    timeScale,
    runs: new DynamoDbRunStore(journeysTable),
    executions: new StepFunctionsRunExecutions({
      client: awsClient(SFNClient, 'sfn'),
      stateMachineArn: env.CAMPAIGN_STATE_MACHINE_ARN,
    }),
    assignments: new DynamoDbAssignmentLookup(journeysTable),
    ledger: new DynamoDbLedgerLookup({ client, tableName: env.MESSAGES_TABLE }),
    now: () => new Date(),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);
