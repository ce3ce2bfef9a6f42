/**
 * Key schemas of Feltfit's DynamoDB tables: the one statement of them. The CDK data construct builds
 * the tables from these specs, the local runtime creates them in DynamoDB Local from the synthesized
 * template, and integration tests create them from here. See docs/data-model.md for the access
 * patterns behind each key.
 */
export interface TableSpec {
  /** Environment variable through which functions receive the table name. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute holding the epoch-seconds expiry (DynamoDB TTL). */
  readonly ttlAttribute?: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  readonly globalIndexes?: readonly {
    name: string;
    partitionKey: string;
    sortKey?: string;
    /** What the index copies of an item (default ALL). */
    projection?: 'ALL' | 'KEYS_ONLY';
  }[];
}

/**
 * The sparse index, by the `profileId` attribute, through which erasure and export find a person's
 * items in the later layers' tables. Keys only: an update of another attribute writes nothing to it.
 */
export const PROFILE_INDEX = 'byProfile';
const profileIndex = { name: PROFILE_INDEX, partitionKey: 'profileId', projection: 'KEYS_ONLY' } as const;

export const TABLES = {
  /** Raw behavioural events, one item per message, keyed by person then messageId (dedupe). */
  events: {
    envVar: 'EVENTS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  /** Control plane: sources and hashed write keys, quarantine, counters. */
  control: {
    envVar: 'CONTROL_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
  },
  /**
   * Profiles: profile items, the hashed identity index, consent records, merge records, tombstones.
   * Streamed (new images) for the transactional outbox: the publisher reads each commit's domain
   * events from the profile item's `outbox` attribute.
   */
  profiles: {
    envVar: 'PROFILES_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  /** Channels: send ledger, suppression list, contact-pressure counters, in-app inbox. */
  messages: {
    envVar: 'MESSAGES_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    globalIndexes: [profileIndex],
  },
  /** Content: briefs, variants (by status through gsi1), reviews and generation audit records. */
  content: {
    envVar: 'CONTENT_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    globalIndexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  },
  /** Model registry: versions, model cards, promotion state, monitoring. */
  models: {
    envVar: 'MODELS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
  },
  /** Journeys: waiting task tokens by (profile, event, key), decisions and their explanations, bandit stats. */
  journeys: {
    envVar: 'JOURNEYS_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    globalIndexes: [profileIndex],
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
