import { randomUUID } from 'node:crypto';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProjectProfileHandler } from '../../../functions/project-profile/app.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventStore } from '../../../shared/adapters/dynamodb/event-store.js';
import { outboxOf } from '../../../shared/adapters/dynamodb/profile-outbox.js';
import { DynamoDbRawEventEraser } from '../../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { featuresOf } from '../../../shared/domain/profiles/features.js';
import type { DomainEvent } from '../../../shared/ports/domain-events.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { recordOutbox } from '../../unit/profiles/outbox.js';
import { streamEvent } from '../../unit/profiles/stream.js';

let client: ReturnType<typeof documentClient>;
let tables: Awaited<ReturnType<typeof createTestTables>>['tables'];
let store: DynamoDbProfileStore;
let rawEvents: DynamoDbEventStore;
let published: DomainEvent[];
let handler: ReturnType<typeof createProjectProfileHandler>;

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  tables = t.tables;
  store = new DynamoDbProfileStore({ client, tableName: tables.profiles, config, hasher: testHasher });
  rawEvents = new DynamoDbEventStore({
    client,
    tableName: tables.events,
    retentionDays: 400,
    hasher: testHasher,
  });
  handler = createProjectProfileHandler(
    {
      // The domain events the outbox publisher would publish.
      store: recordOutbox(store, () => published),
      eraser: new DynamoDbRawEventEraser({ client, tableName: tables.events }),
      config,
      hasher: testHasher,
      now: () => new Date('2024-06-01T00:00:00Z'),
    },
    silentLogger,
  );
});

beforeEach(() => {
  published = [];
});

let minute = 0;
/** A message with a fresh id, one minute after the previous one. */
function m(overrides: Partial<NormalisedMessage>): NormalisedMessage {
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

async function project(messages: readonly NormalisedMessage[], eventName: 'INSERT' | 'MODIFY' = 'INSERT') {
  const res = (await handler(streamEvent(messages, eventName), {} as Context)) as DynamoDBBatchResponse;
  expect(res.batchItemFailures).toEqual([]);
}

const uid = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

describe('profile projector on DynamoDB Local', () => {
  it('joins anonymous browsing to the profile of the user who logs in, with its features', async () => {
    const anonymousId = uid('anon');
    const userId = uid('user');
    await project([
      m({ anonymousId, event: 'Product Viewed', properties: { product_id: 'p1', category: 'shoes' } }),
      m({
        anonymousId,
        event: 'Product Added',
        properties: { cart_id: 'c1', product_id: 'p1', price: 40, quantity: 1 },
      }),
    ]);
    await project([
      m({ type: 'identify', userId, anonymousId, traits: { email: 'Ann@Example.com', firstName: 'Ann' } }),
    ]);

    const byUser = await store.findByIdentifier('userId', userId);
    const byAnon = await store.findByIdentifier('anonymousId', anonymousId);
    const byEmail = await store.findByIdentifier('email', ' ann@EXAMPLE.com');
    expect(byUser?.profileId).toBeDefined();
    expect(byAnon?.profileId).toBe(byUser?.profileId);
    expect(byEmail?.profileId).toBe(byUser?.profileId);
    expect(byUser?.state.identities).toMatchObject({ userId: [userId], anonymousId: [anonymousId] });
    const item = (await store.listProfileItems(byUser!.profileId)).find((i) => i.sk === 'PROFILE')!;
    expect(featuresOf(byUser!.state)).toMatchObject({
      recentlyViewedProducts: ['p1'],
      cart: { cartId: 'c1', value: 40 },
    });
    // Only consent is stored of the features (the data-quality scan counts it); the rest is derived.
    expect(item.features).toEqual({ consent: {} });
    expect(item.contact).toMatchObject({ email: 'ann@example.com' });
  });

  it('merges the profiles of two devices of the same user and re-points their identifiers', async () => {
    const [a1, a2, userId] = [uid('anon'), uid('anon'), uid('user')];
    await project([
      m({ anonymousId: a1, event: 'Order Completed', properties: { order_id: 'o1', revenue: 10 } }),
      m({ anonymousId: a2, event: 'Order Completed', properties: { order_id: 'o2', revenue: 20 } }),
    ]);
    const loser = await store.findByIdentifier('anonymousId', a2);
    await project([m({ type: 'identify', userId, anonymousId: a1 })]);
    await project([m({ type: 'identify', userId, anonymousId: a2 })]);

    const winner = await store.findByIdentifier('userId', userId);
    expect(winner?.state.identities.anonymousId).toEqual([a1, a2].sort());
    expect(Object.keys(winner!.state.orders).sort()).toEqual(['o1', 'o2']);
    expect((await store.getProfile(loser!.profileId))?.mergedInto).toBe(winner!.profileId);
    expect(published).toContainEqual({
      type: 'ProfilesMerged',
      winner: winner!.profileId,
      loser: loser!.profileId,
    });
    const merges = (await store.listProfileItems(winner!.profileId)).filter((i) => i.sk.startsWith('MERGE#'));
    expect(merges).toEqual([
      expect.objectContaining({ winner: winner!.profileId, loser: loser!.profileId, outcome: 'merged' }),
    ]);
    const identityItems = await store.listIdentityItems(winner!.profileId);
    expect(identityItems.map((i) => i.idType).sort()).toEqual(['anonymousId', 'anonymousId', 'userId']);
  });

  it('links the previousId of an alias to the userId', async () => {
    const [previousId, userId] = [uid('anon'), uid('user')];
    await project([m({ anonymousId: previousId, type: 'page', name: 'Home' })]);
    await project([m({ type: 'alias', userId, previousId })]);
    const profile = await store.findByIdentifier('userId', userId);
    expect(profile?.profileId).toBe((await store.findByIdentifier('anonymousId', previousId))?.profileId);
    expect(profile?.state.lastSeenBy.web).toBeDefined();
  });

  it('ignores blocked values, so two visitors sharing test@test.com stay apart', async () => {
    const [a1, a2] = [uid('anon'), uid('anon')];
    await project([
      m({ type: 'identify', anonymousId: a1, traits: { email: 'test@test.com' } }),
      m({ type: 'identify', anonymousId: a2, traits: { email: ' TEST@test.com' } }),
    ]);
    const [p1, p2] = [
      await store.findByIdentifier('anonymousId', a1),
      await store.findByIdentifier('anonymousId', a2),
    ];
    expect(p1?.profileId).toBeDefined();
    expect(p1?.profileId).not.toBe(p2?.profileId);
    expect(await store.findByIdentifier('email', 'test@test.com')).toBeUndefined();
  });

  it('never merges two userIds, and records the refused merge', async () => {
    const [u1, u2] = [uid('user'), uid('user')];
    const email = `${uid('shared')}@example.com`;
    await project([m({ type: 'identify', userId: u1, traits: { email } })]);
    await project([m({ type: 'identify', userId: u2, traits: { email, plan: 'pro' } })]);
    const [p1, p2] = [await store.findByIdentifier('userId', u1), await store.findByIdentifier('userId', u2)];
    expect(p1?.profileId).not.toBe(p2?.profileId);
    expect(p2?.state.identities.userId).toEqual([u2]);
    expect(p2?.state.traits.plan?.v).toBe('pro');
    expect((await store.findByIdentifier('email', email))?.profileId).toBe(p1?.profileId);
    const records = (await store.listProfileItems(p2!.profileId)).filter((i) => i.sk.startsWith('MERGE#'));
    expect(records).toEqual([
      expect.objectContaining({ loser: p1!.profileId, outcome: 'refused', limitTypes: ['userId'] }),
    ]);
    expect(published.some((e) => e.type === 'ProfilesMerged')).toBe(false);
  });

  it('keeps consent records from the consent event and from context, and publishes changes', async () => {
    const userId = uid('user');
    const grant = m({
      userId,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true, sms: false } } },
    });
    const withdraw = m({
      userId,
      type: 'page',
      context: { consent: { categoryPreferences: { email: false, sms: false } } },
    });
    const restated = m({
      userId,
      type: 'page',
      context: { consent: { categoryPreferences: { email: false } } },
    });
    await project([grant]);
    await project([withdraw, restated]);

    const profile = await store.findByIdentifier('userId', userId);
    const records = (await store.listProfileItems(profile!.profileId)).filter((i) =>
      i.sk.startsWith('CONSENT#'),
    );
    expect(records).toEqual([
      expect.objectContaining({
        sk: `CONSENT#${grant.timestamp}#${grant.messageId}`,
        messageId: grant.messageId,
        changes: [
          { channel: 'email', purpose: 'marketing', granted: true, source: 'consent_event' },
          { channel: 'sms', purpose: 'marketing', granted: false, source: 'consent_event' },
        ],
      }),
      expect.objectContaining({
        messageId: withdraw.messageId,
        changes: [{ channel: 'email', purpose: 'marketing', granted: false, source: 'context' }],
      }),
    ]);
    expect(published).toContainEqual({
      type: 'ConsentChanged',
      profileId: profile!.profileId,
      channel: 'email',
      purpose: 'marketing',
      granted: false,
      // The consent event's own time, to the millisecond.
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('changes nothing and publishes nothing when a batch is replayed', async () => {
    const [anonymousId, userId] = [uid('anon'), uid('user')];
    const batch = [
      m({ anonymousId, event: 'Product Added', properties: { cart_id: 'c9', product_id: 'p1', price: 5 } }),
      m({ anonymousId, event: 'Size Guide Viewed' }),
      m({ userId, anonymousId, event: 'Checkout Started', properties: { cart_id: 'c9', value: 5 } }),
      m({
        userId,
        anonymousId,
        event: 'Order Completed',
        properties: { order_id: 'o9', cart_id: 'c9', revenue: 5 },
      }),
      m({ userId, event: 'Ticket Opened', properties: { ticket_id: 't9' } }),
      m({ userId, event: 'Ticket Resolved', properties: { ticket_id: 't9' } }),
      m({ type: 'identify', userId, traits: { shoeSize: 44, phone: '+1 415 555 0199' } }),
    ];
    // The hesitation signal arrives first: events keyed to different people (anonymousId vs userId)
    // are projected concurrently, so a CheckoutStarted event only carries the signals already
    // projected (the profile's hesitation feature itself is order-independent).
    await project(batch.slice(0, 2));
    await project(batch.slice(2));
    const types = published.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['OrderCompleted', 'CheckoutStarted', 'TicketResolved', 'ProfileUpdated']),
    );
    expect(published.find((e) => e.type === 'CheckoutStarted')).toMatchObject({
      cartId: 'c9',
      value: 5,
      hesitation: { sizeGuideViewed: batch[1]!.timestamp },
    });
    const before = await store.findByIdentifier('userId', userId);
    const itemsBefore = await store.listProfileItems(before!.profileId);
    const counts = await store.droppedTraitCounts();

    published = [];
    await project(batch, 'MODIFY');
    await project([...batch].reverse());
    expect(published).toEqual([]);
    const after = await store.findByIdentifier('userId', userId);
    expect(after?.version).toBe(before?.version);
    expect(await store.listProfileItems(after!.profileId)).toEqual(itemsBefore);
    expect(await store.droppedTraitCounts()).toEqual(counts);
    expect(counts.shoeSize).toBeGreaterThanOrEqual(1);
  });

  it('stores no email, phone or id in clear in any identity-index item', async () => {
    const userId = uid('user');
    const email = `${uid('clear')}@example.com`;
    await project([
      m({
        type: 'identify',
        userId,
        traits: { email, phone: '(415) 555-0142' },
        context: { device: { id: 'dev-xyz' } },
      }),
    ]);
    await store.putTombstones(
      [{ type: 'email', value: `${uid('gone')}@example.com` }],
      '2024-06-01T00:00:00Z',
    );
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(
        new ScanCommand({ TableName: tables.profiles, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const index = items.filter((i) => /^(ID|TOMBSTONE)#/.test(String(i.pk)));
    expect(index.length).toBeGreaterThan(4);
    const text = JSON.stringify(index);
    expect(text).not.toMatch(/@|\+1415|4155550142|dev-xyz/);
    expect(text).not.toContain(userId);
  });

  it('does not project a tombstoned person, and deletes the raw event, unless the event grants consent', async () => {
    const userId = uid('erased');
    await store.putTombstones([{ type: 'userId', value: userId }], '2024-06-01T00:00:00Z');
    const event = m({ userId, event: 'Product Viewed', properties: { product_id: 'p1' } });
    await rawEvents.putEvents([event]);
    await project([event]);
    expect(await store.findByIdentifier('userId', userId)).toBeUndefined();
    expect((await rawEvents.listByPerson({ userId, limit: 10 })).events).toEqual([]);

    await project([
      m({
        userId,
        event: 'Segment Consent Preference Updated',
        context: { consent: { categoryPreferences: { email: true } } },
      }),
    ]);
    expect(
      (await store.findByIdentifier('userId', userId))?.state.consent['email:marketing']?.v.granted,
    ).toBe(true);
  });

  it('creates one profile when the same new person is projected concurrently', async () => {
    const userId = uid('user');
    const events = Array.from({ length: 6 }, () => m({ userId, type: 'page', name: 'Home' }));
    await Promise.all(events.map((e) => project([e])));
    const profile = await store.findByIdentifier('userId', userId);
    const out = await client.send(
      new GetCommand({
        TableName: tables.profiles,
        Key: { pk: `PROFILE#${profile!.profileId}`, sk: 'PROFILE' },
      }),
    );
    expect(out.Item?.version).toBeGreaterThanOrEqual(1);
    expect(profile?.state.lastSeenBy.web).toBe(Date.parse(events.at(-1)!.timestamp));
  });

  it('writes the outbox with the profile and removes it with the next commit that has no events, and with writeScores', async () => {
    const userId = uid('user');
    const order = m({ userId, event: 'Order Completed', properties: { order_id: uid('o'), revenue: 12 } });
    await project([order]);
    const profile = await store.findByIdentifier('userId', userId);
    const itemOf = async () =>
      (
        await client.send(
          new GetCommand({
            TableName: tables.profiles,
            Key: { pk: `PROFILE#${profile!.profileId}`, sk: 'PROFILE' },
          }),
        )
      ).Item!;
    const first = outboxOf(await itemOf());
    expect(first.map((e) => e.type).sort()).toEqual(['OrderCompleted', 'ProfileUpdated']);
    expect(first.every((e) => /^[0-9a-f]{64}$/.test(e.eventId))).toBe(true);
    expect((await itemOf()).version).toBe(1);

    // Writing scores carries no events: its stream record must not repeat the order's.
    await store.writeScores(profile!.profileId, {
      at: '2024-06-01T00:00:00.000Z',
      values: { clv: 1 },
      bands: {},
      modelVersions: {},
    });
    expect(await itemOf()).not.toHaveProperty('outbox');

    await project([m({ userId, event: 'Ticket Resolved', properties: { ticket_id: uid('t') } })]);
    expect(
      outboxOf(await itemOf())
        .map((e) => e.type)
        .sort(),
    ).toEqual(['ProfileUpdated', 'TicketResolved']);
    // A commit that produced no events at all (a bare commit through the port) removes the outbox.
    const current = (await store.getProfile(profile!.profileId))!;
    const outcome = await store.commit({
      profile: {
        profileId: current.profileId,
        state: current.state,
        features: featuresOf(current.state),
        contact: { pushTokens: [] },
        createdAt: current.createdAt,
        updatedAt: '2024-06-02T00:00:00.000Z',
      },
      expectedVersion: current.version,
      claims: [],
      absorbed: [],
      merges: [],
      consent: [],
      outbox: [],
    });
    expect(outcome).toEqual({ ok: true, version: current.version + 1 });
    const item = await itemOf();
    expect(item).not.toHaveProperty('outbox');
    expect(item.scores).toMatchObject({ values: { clv: 1 } });
    // The state is stored compressed, and read back whole.
    expect(item).not.toHaveProperty('s');
    expect((await store.getProfile(profile!.profileId))?.state).toEqual(current.state);
  });

  it('commits a batch of one person’s events once, with all their domain events in one outbox', async () => {
    const [anonymousId, userId] = [uid('anon'), uid('user')];
    await project([
      m({ anonymousId, event: 'Product Viewed', properties: { product_id: 'p1' } }),
      m({ type: 'identify', userId, anonymousId, traits: { email: `${uid('b')}@example.com` } }),
      m({ userId, event: 'Order Completed', properties: { order_id: uid('o'), revenue: 30 } }),
      m({ userId, event: 'Ticket Opened', properties: { ticket_id: 't1' } }),
      m({ userId, event: 'Ticket Resolved', properties: { ticket_id: 't1' } }),
    ]);
    const profile = await store.findByIdentifier('userId', userId);
    expect(profile?.version).toBe(1);
    expect(published.map((e) => e.type).sort()).toEqual([
      'OrderCompleted',
      'ProfileUpdated',
      'TicketResolved',
    ]);
  });
});
