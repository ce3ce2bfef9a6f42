/** The privacy job steps' dependencies: the erasure's stores plus the job store (control table). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PrivacyJobDeps } from '../../domain/privacy/jobs.js';
import { DynamoDbPrivacyJobStore } from './privacy-jobs.js';
import type { PrivacyDeps } from './privacy-wiring.js';

/** Builds the job steps' dependencies from the privacy dependencies. */
export function dynamoDbPrivacyJobDeps(
  privacy: PrivacyDeps,
  client: DynamoDBDocumentClient,
  controlTable: string,
): PrivacyJobDeps {
  const { directory, tombstones, holders, audit, hasher, now } = privacy.erase;
  return {
    directory,
    tombstones,
    holders,
    audit,
    hasher,
    now,
    jobs: new DynamoDbPrivacyJobStore({ client, tableName: controlTable, now }),
  };
}
