import { FeltfitConfig } from './schema.js';

/** The embedded defaults `npm start` and a first `cdk deploy` run on. */
export const defaultConfig: FeltfitConfig = FeltfitConfig.parse({
  retentionDays: 400,
  logRetentionDays: 30,
  busArchiveRetentionDays: 90,
  deletionProtection: true,
  ingest: {
    // Per route: the stage refuses (429) before ingest could need more than ~800 of Lambda's default
    // 1,000 concurrent executions, past which Invokes are refused as 500s (docs/operations.md,
    // "Overload").
    throttle: { rateLimit: 500, burstLimit: 250 },
    corsAllowOrigins: ['*'],
  },
});
