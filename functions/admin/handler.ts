/** Lambda entry point: wires DynamoDB adapters once per cold start. */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod/mini';
import { awsClient } from '../../shared/adapters/aws/clients.js';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { listConsoleUsers } from '../../shared/adapters/cognito/console-directory.js';
import {
  DynamoDbCustomerCounters,
  DynamoDbEventDayCounter,
  DynamoDbMessageOutcomeLog,
  DynamoDbModelMonitorReader,
} from '../../shared/adapters/dynamodb/activity-store.js';
import { DynamoDbAudienceDefinitionStore } from '../../shared/adapters/dynamodb/audience-definition-store.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbContentStore } from '../../shared/adapters/dynamodb/content-store.js';
import { measurementPorts } from '../../shared/adapters/dynamodb/measurement-wiring.js';
import { laterLayerHolders } from '../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { dynamoDbPrivacyJobDeps } from '../../shared/adapters/dynamodb/privacy-job-wiring.js';
import { DynamoDbSourceSeenStore } from '../../shared/adapters/dynamodb/privacy-quality.js';
import { dynamoDbPrivacyDeps, type PrivacyDeps } from '../../shared/adapters/dynamodb/privacy-wiring.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { DynamoDbSourceStore } from '../../shared/adapters/dynamodb/source-store.js';
import { dynamoDbStores, parseStoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { loadHasher } from '../../shared/adapters/hash-key.js';
import { ProfileAudienceCandidates } from '../../shared/adapters/journey-ports/audience-candidates.js';
import { DynamoDbJourneyTraits } from '../../shared/adapters/journey-ports/journey-traits.js';
import {
  ContentVariantCatalogue,
  DynamoDbBriefSteps,
} from '../../shared/adapters/journey-ports/variant-catalogue.js';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { loadSecret } from '../../shared/adapters/secrets.js';
import { StepFunctionsExecutionReader } from '../../shared/adapters/sfn/execution-reader.js';
import { StepFunctionsPrivacyJobRunner } from '../../shared/adapters/sfn/privacy-job-runner.js';
import { parsePrivacyConfig } from '../../shared/config/privacy.js';
import { parseProfilesConfig } from '../../shared/config/profiles.js';
import { buildReport } from '../../shared/domain/measurement/report.js';
import { createAdminHandler, type PrivacyRoutesDeps } from './app.js';
import { consoleUsers } from './console-users.js';
import type { ConsoleRoutesDeps } from './overview.js';
import type { SyncedAudienceDeps } from './synced-audiences.js';

/** Variables of the privacy routes, beyond EVENTS_TABLE / CONTROL_TABLE / RETENTION_DAYS. */
const PrivacyEnv = z.object({
  /** Without it the privacy and quality routes answer 404 (a stack that has not wired them yet). */
  PROFILES_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** The projector's: identifiers are normalised and hashed the same way. */
  PROFILES_CONFIG: z.optional(z.string()),
  PRIVACY_CONFIG: z.optional(z.string()),
  /** Later layers whose items name the person: erased and exported with them when set. */
  MESSAGES_TABLE: z.optional(z.string().check(z.minLength(1))),
  JOURNEYS_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** The privacy-job state machine: erasure and export run as jobs (without it those routes answer 404). */
  PRIVACY_JOB_STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Set by the local runtime: the folder the channels write to instead of SES/SNS. */
  OUTBOX_DIR: z.optional(z.string().check(z.minLength(1))),
  /** The overview's content check (approved variants) and drift alert (monitor-models' output). */
  CONTENT_TABLE: z.optional(z.string().check(z.minLength(1))),
  MODELS_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** Journey id → state machine ARN: executions' status and step, running counts. */
  JOURNEY_STATE_MACHINES: z.optional(z.string()),
  /** The Cognito user pool of console users (AWS); FELTFIT_DATA_DIR locally (the runtime sets it). */
  CONSOLE_USER_POOL_ID: z.optional(z.string().check(z.minLength(1))),
  FELTFIT_DATA_DIR: z.optional(z.string().check(z.minLength(1))),
});

function parsePrivacyEnv(env: Record<string, string | undefined>) {
  const parsed = PrivacyEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

const storesEnv = parseStoresEnv(process.env);
const privacyEnv = parsePrivacyEnv(process.env);
const client = documentClient();
// Lookups by identifier and the person's event partitions use the projector's keyed hashes.
const hasher = await loadHasher(process.env);
const stores = dynamoDbStores(storesEnv, hasher, client);
const privacyConfig = parsePrivacyConfig(privacyEnv.PRIVACY_CONFIG);
const sourceStore = new DynamoDbSourceStore({ client, tableName: storesEnv.CONTROL_TABLE });
const sourceSeen = new DynamoDbSourceSeenStore({ client, tableName: storesEnv.CONTROL_TABLE });

const logger = lambdaLogger();
const syncedAudiences = syncedAudienceDeps();
const app = createAdminHandler(
  {
    events: stores.events,
    quarantine: stores.quarantine,
    ...(privacyEnv.OUTBOX_DIR
      ? { outbox: { list: (limit: number) => listOutbox(privacyEnv.OUTBOX_DIR!, { limit }) } }
      : {}),
    ...(privacyEnv.PROFILES_TABLE
      ? {
          privacy: withJobs(
            dynamoDbPrivacyDeps({
              client,
              tables: {
                profiles: privacyEnv.PROFILES_TABLE,
                events: storesEnv.EVENTS_TABLE,
                control: storesEnv.CONTROL_TABLE,
              },
              extraHolders: laterLayerHolders(client, {
                messages: privacyEnv.MESSAGES_TABLE,
                journeys: privacyEnv.JOURNEYS_TABLE,
              }),
              profilesConfig: parseProfilesConfig(privacyEnv.PROFILES_CONFIG),
              privacyConfig,
              retentionDays: storesEnv.RETENTION_DAYS,
              hasher,
            }),
          ),
        }
      : {}),
    console: consoleDeps(),
    ...(syncedAudiences ? { syncedAudiences } : {}),
  },
  logger,
);

export const handler = withLambdaLogging(logger, app);

/** Adds the privacy jobs when the state machine is bound to this function. */
function withJobs(privacy: PrivacyDeps): PrivacyRoutesDeps {
  const arn = privacyEnv.PRIVACY_JOB_STATE_MACHINE_ARN;
  if (!arn) return privacy;
  const runner = new StepFunctionsPrivacyJobRunner({
    client: awsClient(SFNClient, 'sfn'),
    stateMachineArn: arn,
  });
  return {
    ...privacy,
    jobs: { ...dynamoDbPrivacyJobDeps(privacy, client, storesEnv.CONTROL_TABLE), runner },
  };
}

/**
 * Synced audiences: definitions on the journeys table, counted over the profiles table. The holdout
 * key (AUDIENCE_HOLDOUT_KEY_ARN, generated locally) is read on the first count, so a missing secret
 * fails that route and not the function's cold start.
 */
function syncedAudienceDeps(): SyncedAudienceDeps | undefined {
  const { PROFILES_TABLE, JOURNEYS_TABLE } = privacyEnv;
  if (!PROFILES_TABLE || !JOURNEYS_TABLE) return undefined;
  const config = parseProfilesConfig(privacyEnv.PROFILES_CONFIG);
  let holdoutKey: Promise<string> | undefined;
  return {
    store: new DynamoDbAudienceDefinitionStore({ client, tableName: JOURNEYS_TABLE }),
    candidates: new ProfileAudienceCandidates({
      scan: new DynamoDbProfileStore({ client, tableName: PROFILES_TABLE, config, hasher }),
      journeyTraits: new DynamoDbJourneyTraits({ client, tableName: PROFILES_TABLE }),
      config,
    }),
    holdoutKey: () => {
      holdoutKey ??= loadSecret('AUDIENCE_HOLDOUT_KEY', process.env).catch((err: unknown) => {
        holdoutKey = undefined;
        throw err;
      });
      return holdoutKey;
    },
    now: () => new Date(),
  };
}

/** The console routes' adapters: each part only when its tables are bound to this function. */
function consoleDeps(): ConsoleRoutesDeps {
  const { PROFILES_TABLE, MESSAGES_TABLE, JOURNEYS_TABLE, CONTENT_TABLE, MODELS_TABLE } = privacyEnv;
  const stateMachines = JSON.parse(privacyEnv.JOURNEY_STATE_MACHINES ?? '{}') as Record<string, string>;
  const executions = new StepFunctionsExecutionReader(stateMachines);
  const log = MESSAGES_TABLE
    ? // Read only here: the retention applies to writes.
      new DynamoDbMessageOutcomeLog({ client, tableName: MESSAGES_TABLE, retentionDays: 1 })
    : undefined;
  const measurement = JOURNEYS_TABLE ? measurementPorts(process.env, client) : undefined;
  return {
    sources: { sources: sourceStore, seen: sourceSeen, now: () => new Date() },
    users: () =>
      consoleUsers(privacyEnv, (pool) =>
        listConsoleUsers(awsClient(CognitoIdentityProviderClient, 'cognito'), pool),
      ),
    ...(PROFILES_TABLE && log && measurement
      ? {
          activity: {
            directory: new DynamoDbProfileStore({
              client,
              tableName: PROFILES_TABLE,
              config: parseProfilesConfig(privacyEnv.PROFILES_CONFIG),
              hasher,
            }),
            messages: log,
            exposures: measurement.store,
            executions,
          },
        }
      : {}),
    ...(log && measurement && JOURNEYS_TABLE && CONTENT_TABLE && MODELS_TABLE
      ? {
          overview: {
            journeys: measurement.journeys.journeys,
            report: async () =>
              buildReport(
                await measurement.store.reportInput(measurement.journeys.journeys, new Date()),
                measurement.journeys.journeys,
                measurement.config,
                measurement.journeys.experiments.globalControl.share,
                measurement.journeys.experiments.sendTime.holdoutShare,
              ),
            customers: new DynamoDbCustomerCounters({ client, tableName: JOURNEYS_TABLE }),
            events: new DynamoDbEventDayCounter({ client, tableName: storesEnv.CONTROL_TABLE }),
            outcomes: log,
            executions,
            // Cached for a minute per instance: the page may be reloaded often, approvals are rare.
            variants: new ContentVariantCatalogue({
              store: new DynamoDbContentStore({ client, tableName: CONTENT_TABLE }),
              briefs: new DynamoDbBriefSteps({ client, tableName: CONTENT_TABLE }),
              ttlMs: 60_000,
            }),
            models: new DynamoDbModelMonitorReader({ client, tableName: MODELS_TABLE }),
            sources: sourceStore,
            sourceSeen,
            quarantine: stores.quarantine,
            staleAfterMinutes: privacyConfig.quality.staleAfterMinutes,
            now: () => new Date(),
          },
        }
      : {}),
  };
}
