/**
 * Builds the privacy and data-quality dependencies on DynamoDB, once per cold start (admin function)
 * or per command (CLI). Both entry points call the same use cases with these.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PrivacyConfig } from '../../config/privacy.js';
import type { ProfilesConfig } from '../../config/profiles.js';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import type { EraseDeps, ExportDeps } from '../../domain/privacy/operations.js';
import type { QualityDeps } from '../../domain/quality/report.js';
import type { PersonalDataHolder, PersonDirectory } from '../../ports/privacy.js';
import { DynamoDbErasureAudit } from './privacy-audit.js';
import { DynamoDbEventsHolder, DynamoDbProfilesHolder } from './privacy-holders.js';
import { DynamoDbProfileStats, DynamoDbSourceSeenStore } from './privacy-quality.js';
import { DynamoDbProfileStore } from './profile-store.js';
import { DynamoDbQuarantineStore } from './quarantine-store.js';
import { DynamoDbSourceStore } from './source-store.js';

export interface PrivacyTables {
  readonly profiles: string;
  readonly events: string;
  readonly control: string;
}

/** Everything the privacy routes and the quality report need. */
export interface PrivacyDeps {
  readonly directory: PersonDirectory;
  readonly export: ExportDeps;
  readonly erase: EraseDeps;
  readonly quality: QualityDeps;
  readonly maxExportBytes: number;
}

/**
 * Wires the stores. `extraHolders` are other layers' holders (channels, journeys, measurement); they are
 * exported and erased between the events and the profiles holder, which always goes last.
 */
export function dynamoDbPrivacyDeps(options: {
  readonly client: DynamoDBDocumentClient;
  readonly tables: PrivacyTables;
  readonly profilesConfig: Pick<ProfilesConfig, 'defaultCountry' | 'blockedValues'>;
  readonly privacyConfig: PrivacyConfig;
  /** The projector's hash keyring (IDENTITY_HMAC_KEY), or lookups by identifier find nothing. */
  readonly hasher: KeyedHasher;
  readonly retentionDays?: number;
  readonly extraHolders?: readonly PersonalDataHolder[];
  readonly now?: () => Date;
}): PrivacyDeps {
  const { client, tables } = options;
  const now = options.now ?? (() => new Date());
  const store = new DynamoDbProfileStore({
    client,
    tableName: tables.profiles,
    config: options.profilesConfig,
    hasher: options.hasher,
  });
  const holders: PersonalDataHolder[] = [
    new DynamoDbEventsHolder({ client, tableName: tables.events, hasher: options.hasher }),
    ...(options.extraHolders ?? []),
    new DynamoDbProfilesHolder({ client, tableName: tables.profiles, store }),
  ];
  return {
    directory: store,
    export: { directory: store, holders, now },
    erase: {
      directory: store,
      tombstones: store,
      holders,
      audit: new DynamoDbErasureAudit({ client, tableName: tables.control }),
      hasher: options.hasher,
      now,
    },
    quality: {
      sources: new DynamoDbSourceStore({ client, tableName: tables.control }),
      sourceSeen: new DynamoDbSourceSeenStore({ client, tableName: tables.control }),
      profileStats: new DynamoDbProfileStats({ client, tableName: tables.profiles }),
      quarantine: new DynamoDbQuarantineStore({
        client,
        tableName: tables.control,
        retentionDays: options.retentionDays ?? 400,
      }),
      droppedTraits: store,
      config: options.privacyConfig,
      now,
    },
    maxExportBytes: options.privacyConfig.maxExportBytes,
  };
}
