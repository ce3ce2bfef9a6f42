/** Projecting messages the way production does: stored in the events table, then projected from their items. */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEventStore, personKey } from '../../../shared/adapters/dynamodb/event-store.js';
import {
  dynamoDbPrivacyDeps,
  type PrivacyDeps,
  type PrivacyTables,
} from '../../../shared/adapters/dynamodb/privacy-wiring.js';
import { DynamoDbRawEventEraser } from '../../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { defaultPrivacyConfig } from '../../../shared/config/privacy.js';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import type { KeyedHasher } from '../../../shared/domain/privacy/keyed-hash.js';
import { type ProjectionReport, projectEvents } from '../../../shared/domain/profiles/project.js';
import { testHasher } from '../../support/hasher.js';

/** The privacy use cases' dependencies on the test tables, hashing with `hasher`. */
export function privacyDeps(
  client: DynamoDBDocumentClient,
  tables: PrivacyTables,
  hasher: KeyedHasher = testHasher,
): PrivacyDeps {
  return dynamoDbPrivacyDeps({
    client,
    hasher,
    tables,
    profilesConfig: config,
    privacyConfig: defaultPrivacyConfig,
  });
}

/** Stores messages and projects them, like ingest followed by the stream-driven projector. */
export function projector(
  client: DynamoDBDocumentClient,
  tables: { events: string; profiles: string },
  hasher: KeyedHasher = testHasher,
) {
  const events = new DynamoDbEventStore({
    client,
    tableName: tables.events,
    retentionDays: 400,
    hasher,
  });
  const store = new DynamoDbProfileStore({ client, tableName: tables.profiles, config, hasher });
  const deps = {
    store,
    events: { publish: async () => {} },
    eraser: new DynamoDbRawEventEraser({ client, tableName: tables.events }),
    config,
    hasher,
    now: () => new Date('2024-06-01T00:00:00Z'),
  };
  return {
    store,
    events,
    async project(messages: readonly NormalisedMessage[]): Promise<ProjectionReport> {
      await events.putEvents(messages);
      const report = await projectEvents(
        deps,
        messages.map((message) => ({
          id: message.messageId,
          message,
          key: { pk: personKey(message, hasher), sk: `M#${message.messageId}` },
        })),
      );
      if (report.failed.length > 0) throw new Error(`projection failed for ${report.failed.length} events`);
      return report;
    },
  };
}

let minute = 0;
/** A message with a fresh id, one minute after the previous one. */
export function m(overrides: Partial<NormalisedMessage>): NormalisedMessage {
  minute++;
  const ts = new Date(Date.parse('2024-05-01T10:00:00.000Z') + minute * 60_000).toISOString();
  return {
    messageId: randomUUID(),
    type: 'track',
    timestamp: ts,
    receivedAt: ts,
    sourceId: 'web',
    ...overrides,
  } as NormalisedMessage;
}

/** A unique identifier value. */
export const uid = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
