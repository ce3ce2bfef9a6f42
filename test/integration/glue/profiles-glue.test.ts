import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventStore, personKey } from '../../../shared/adapters/dynamodb/event-store.js';
import { DynamoDbRawEventEraser } from '../../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { ProfileConsentRecorder } from '../../../shared/adapters/profiles/consent-recorder.js';
import {
  ProfileScoreSink,
  ProfileScoringSource,
  ProfileTrainingData,
} from '../../../shared/adapters/profiles/model-data.js';
import { ProfileRecipientSource } from '../../../shared/adapters/profiles/recipient-source.js';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { projectEvents } from '../../../shared/domain/profiles/project.js';
import type { DomainEvent } from '../../../shared/ports/domain-events.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { recordOutbox } from '../../unit/profiles/outbox.js';

let client: ReturnType<typeof documentClient>;
let tables: Awaited<ReturnType<typeof createTestTables>>['tables'];
let store: DynamoDbProfileStore;
let events: DynamoDbEventStore;
let eraser: DynamoDbRawEventEraser;
let published: DomainEvent[];

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  tables = t.tables;
  store = new DynamoDbProfileStore({ client, tableName: tables.profiles, config, hasher: testHasher });
  events = new DynamoDbEventStore({
    client,
    tableName: tables.events,
    retentionDays: 400,
    hasher: testHasher,
  });
  eraser = new DynamoDbRawEventEraser({ client, tableName: tables.events });
});

beforeEach(() => {
  published = [];
});

/** Projects messages as the stream would deliver them. */
async function project(messages: readonly NormalisedMessage[]) {
  const report = await projectEvents(
    {
      // The domain events the outbox publisher would publish.
      store: recordOutbox(store, () => published),
      eraser,
      config,
      hasher: testHasher,
      now: () => new Date('2024-06-01T00:00:00.000Z'),
    },
    messages.map((message) => ({
      id: message.messageId,
      message,
      key: { pk: personKey(message, testHasher), sk: `M#${message.messageId}` },
    })),
  );
  expect(report.failed).toEqual([]);
}

function msg(userId: string, timestamp: string, fields: Partial<NormalisedMessage>): NormalisedMessage {
  return {
    messageId: randomUUID(),
    type: 'track',
    userId,
    timestamp,
    receivedAt: timestamp,
    sourceId: 'web',
    ...fields,
  } as NormalisedMessage;
}

/** A person who identified with an email, consented to marketing email and bought twice. */
async function person() {
  const userId = `user-${randomUUID().slice(0, 8)}`;
  await project([
    msg(userId, '2024-01-10T09:00:00.000Z', {
      type: 'identify',
      traits: { email: `${userId}@example.com`, firstName: 'Ann', plan: 'pro' },
      context: { timezone: 'Europe/Berlin', locale: 'de-DE' },
    }),
    msg(userId, '2024-01-10T09:01:00.000Z', {
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true } } },
    }),
    msg(userId, '2024-01-10T12:00:00.000Z', {
      event: 'Order Completed',
      properties: { order_id: 'o1', revenue: 40 },
    }),
    msg(userId, '2024-02-20T12:00:00.000Z', {
      event: 'Order Completed',
      properties: { order_id: 'o2', revenue: 60 },
    }),
  ]);
  const profile = await store.findByIdentifier('userId', userId);
  expect(profile).toBeDefined();
  return { userId, profileId: profile!.profileId };
}

describe('profiles glue on DynamoDB Local', () => {
  it('gives the send path the email, marketing consent and time zone of a projected person', async () => {
    const { userId, profileId } = await person();
    const recipient = await new ProfileRecipientSource(store).getRecipient(profileId);
    expect(recipient).toMatchObject({
      profileId,
      email: `${userId}@example.com`,
      timeZone: 'Europe/Berlin',
      locale: 'de-DE',
      consent: { email: true },
      traits: { firstName: 'Ann' },
    });
    expect(await new ProfileRecipientSource(store).getRecipient('pf_missing')).toBeUndefined();
  });

  it('withdraws marketing email consent through an event the projector turns into a consent record', async () => {
    const { userId, profileId } = await person();
    const recorder = new ProfileConsentRecorder({ profiles: store, events, config });
    const at = new Date('2024-03-01T08:00:00.000Z');
    await recorder.withdraw(profileId, 'email', 'unsubscribe_one_click', at);
    await recorder.withdraw(profileId, 'email', 'unsubscribe_one_click', at); // a retry: same event

    const stored = (await events.listByPerson({ userId, limit: 100 })).events.filter(
      (e) => e.sourceId === 'feltfit-unsubscribe',
    );
    expect(stored).toHaveLength(1);
    await project(stored);

    const recipient = await new ProfileRecipientSource(store).getRecipient(profileId);
    expect(recipient?.consent.email).toBe(false);
    const records = (await store.listProfileItems(profileId)).filter((i) => i.sk.startsWith('CONSENT#'));
    expect(records).toContainEqual(
      expect.objectContaining({
        at: at.toISOString(),
        messageId: stored[0]!.messageId,
        changes: [{ channel: 'email', purpose: 'marketing', granted: false, source: 'consent_event' }],
      }),
    );
    expect(published).toContainEqual({
      type: 'ConsentChanged',
      profileId,
      channel: 'email',
      purpose: 'marketing',
      granted: false,
      // The consent event's own time, to the millisecond.
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('keeps written scores through a later projection, without bumping the profile version', async () => {
    const { userId, profileId } = await person();
    const before = await store.getProfile(profileId);
    const sink = new ProfileScoreSink(store);
    await sink.writeScores(
      profileId,
      { churnRisk: 0.8, clv12m: 120, bands: { churnRisk: 'high', clv12m: 'medium' } },
      { clv: 'v1' },
      '2024-03-01T00:00:00.000Z',
    );
    expect((await store.getProfile(profileId))?.version).toBe(before?.version);

    await project([
      msg(userId, '2024-03-02T12:00:00.000Z', {
        event: 'Order Completed',
        properties: { order_id: 'o3', revenue: 10 },
      }),
    ]);
    const after = await store.getProfile(profileId);
    expect(after?.version).toBe(before!.version + 1);
    expect(Object.keys(after!.state.orders).sort()).toEqual(['o1', 'o2', 'o3']);
    expect(after?.scores).toEqual({
      at: '2024-03-01T00:00:00.000Z',
      values: { churnRisk: 0.8, clv12m: 120 },
      bands: { churnRisk: 'high', clv12m: 'medium' },
      modelVersions: { clv: 'v1' },
    });
    const source = new ProfileScoringSource({ store, now: () => new Date('2024-04-01T00:00:00.000Z') });
    expect((await source.get(profileId))?.lastScored).toEqual({
      at: '2024-03-01T00:00:00.000Z',
      bands: { churnRisk: 'high', clv12m: 'medium' },
    });
  });

  it('does not create a profile item when scoring a profile that is gone', async () => {
    expect(
      await store.writeScores('pf_gone', {
        at: '2024-03-01T00:00:00.000Z',
        values: {},
        bands: {},
        modelVersions: {},
      }),
    ).toBe('not_found');
    const out = await client.send(
      new GetCommand({ TableName: tables.profiles, Key: { pk: 'PROFILE#pf_gone', sk: 'PROFILE' } }),
    );
    expect(out.Item).toBeUndefined();
  });

  it('yields the purchase summary of a person for training', async () => {
    const { profileId } = await person();
    const data = new ProfileTrainingData({ scan: store, cohortTraits: ['plan'], pageSize: 3 });
    const rows = [];
    for await (const row of data.purchaseSummaries('2024-02-29')) rows.push(row);
    expect(rows.find((r) => r.customerId === profileId)).toEqual({
      customerId: profileId,
      firstPurchaseDay: '2024-01-10',
      lastPurchaseDay: '2024-02-20',
      distinctPurchaseDays: 2,
      repeatSpend: 60,
      traits: { plan: 'pro' },
    });
  });

  it('pages over live profiles only, each once, skipping profiles merged into another', async () => {
    const [a1, a2, userId] = [`anon-${randomUUID()}`, `anon-${randomUUID()}`, `user-${randomUUID()}`];
    const anon = (anonymousId: string, ts: string, fields: Partial<NormalisedMessage>) =>
      ({ ...msg('x', ts, fields), userId: undefined, anonymousId }) as NormalisedMessage;
    await project([
      anon(a1, '2024-01-01T00:00:00.000Z', { event: 'Product Viewed', properties: { product_id: 'p' } }),
      anon(a2, '2024-01-01T00:00:00.000Z', { event: 'Product Viewed', properties: { product_id: 'p' } }),
    ]);
    const loser = await store.findByIdentifier('anonymousId', a2);
    await project([msg(userId, '2024-01-02T00:00:00.000Z', { type: 'identify', anonymousId: a1 })]);
    await project([msg(userId, '2024-01-03T00:00:00.000Z', { type: 'identify', anonymousId: a2 })]);
    expect((await store.getProfile(loser!.profileId))?.mergedInto).toBeDefined();

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scanLiveProfiles({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.profiles.length).toBeLessThanOrEqual(2);
      seen.push(...page.profiles.map((p) => p.profileId));
      cursor = page.cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(loser!.profileId);
    expect(seen).toContain((await store.findByIdentifier('userId', userId))!.profileId);
  });
});
