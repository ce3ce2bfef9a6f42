/**
 * Feltfit's one typed configuration. The CDK app parses it once at synth and hands each function
 * only the part it needs; a team changes Feltfit by editing this file's values and redeploying.
 */
import * as z from 'zod';
import { ChannelsConfig, defaultChannelsConfig } from './channels.js';
import { ConsoleConfig } from './console.js';
import { ContentConfig, defaultContentConfig } from './content.js';
import { JourneysConfig } from './journeys.js';
import { MeasurementConfig } from './measurement.js';
import { ModelsConfig } from './models.js';
import { ProfilesConfig } from './profiles.js';

export const IngestConfig = z.object({
  /** API Gateway stage throttling: steady-state requests per second and burst. */
  throttle: z.object({ rateLimit: z.number().int().positive(), burstLimit: z.number().int().positive() }),
  /** Origins allowed to post from browsers (analytics.js). `*` is safe: auth is the write key, not cookies. */
  corsAllowOrigins: z.array(z.string().min(1)).min(1),
});

export const FeltfitConfig = z.object({
  /** Days a raw event is kept before DynamoDB TTL removes it. */
  retentionDays: z.number().int().min(1).max(3650),
  /** Days Lambda and API access logs are kept. */
  logRetentionDays: z.union([
    z.literal(1),
    z.literal(3),
    z.literal(5),
    z.literal(7),
    z.literal(14),
    z.literal(30),
    z.literal(60),
    z.literal(90),
    z.literal(180),
    z.literal(365),
  ]),
  /** Days the EventBridge archive keeps domain events for replay. */
  busArchiveRetentionDays: z.number().int().min(1),
  /** Protects data tables from accidental `cdk destroy` / replacement. */
  deletionProtection: z.boolean(),
  ingest: IngestConfig,
  /** Identity resolution, trait schema (data minimisation) and consent mapping. */
  profiles: ProfilesConfig.prefault({}),
  /** Contact-pressure caps, quiet hours, sender identities, unsubscribe, provider-feedback thresholds. */
  channels: ChannelsConfig.default(defaultChannelsConfig),
  /** Brand playbook, generator settings, token budgets, review policy. */
  content: ContentConfig.default(defaultContentConfig),
  /** Bedrock model for generation; unset → the offline generator, and no Bedrock resources. */
  bedrockModelId: z.string().min(1).optional(),
  /** Journey catalogue, experiments and global control group, decide settings. */
  journeys: JourneysConfig.prefault({}),
  measurement: MeasurementConfig.prefault({}),
  /** Model horizons, gates, fairness, bands, SageMaker endpoints. */
  models: ModelsConfig.prefault({}),
  /** Marketer console hosting and sign-in in AWS: managed-login domain prefix, MFA, WAF. */
  console: ConsoleConfig.prefault({}),
});
export type FeltfitConfig = z.infer<typeof FeltfitConfig>;
