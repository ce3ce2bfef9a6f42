import { FeltfitConfig } from './schema.js';

/** The embedded defaults `npm start` and a first `cdk deploy` run on. */
export const defaultConfig: FeltfitConfig = FeltfitConfig.parse({
  retentionDays: 400,
  logRetentionDays: 30,
  busArchiveRetentionDays: 90,
  deletionProtection: true,
  ingest: {
    throttle: { rateLimit: 1000, burstLimit: 2000 },
    corsAllowOrigins: ['*'],
  },
});
