import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbContentStore } from '../../../shared/adapters/dynamodb/content-store.js';
import { DynamoDbRawEventEraser } from '../../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { DynamoDbJourneyTraits } from '../../../shared/adapters/journey-ports/journey-traits.js';
import { StoreDecisionProfileReader } from '../../../shared/adapters/journey-ports/profile-reader.js';
import {
  ContentVariantCatalogue,
  DynamoDbBriefSteps,
} from '../../../shared/adapters/journey-ports/variant-catalogue.js';
import {
  decidePortsFromEnv,
  journeyStepPortsFromEnv,
} from '../../../shared/adapters/journey-ports/wiring.js';
import { defaultProfilesConfig, type ProfilesConfig } from '../../../shared/config/profiles.js';
import { ContentVariant } from '../../../shared/domain/channels/schemas.js';
import { Brief, type ContentBody, type Variant } from '../../../shared/domain/content/schemas.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { projectEvents } from '../../../shared/domain/profiles/project.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';

/** The default config, plus a category that withdraws transactional SMS. */
const config: ProfilesConfig = {
  ...defaultProfilesConfig,
  consent: {
    ...defaultProfilesConfig.consent,
    categories: {
      ...defaultProfilesConfig.consent.categories,
      smsService: { channel: 'sms', purpose: 'transactional' },
    },
  },
};
const NOW = new Date('2026-03-10T12:00:00.000Z');

let client: ReturnType<typeof documentClient>;
let env: Record<string, string>;
let store: DynamoDbProfileStore;
let content: DynamoDbContentStore;
let traits: DynamoDbJourneyTraits;
let reader: StoreDecisionProfileReader;

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  env = t.env;
  store = new DynamoDbProfileStore({ client, tableName: t.tables.profiles, config, hasher: testHasher });
  content = new DynamoDbContentStore({ client, tableName: t.tables.content });
  traits = new DynamoDbJourneyTraits({ client, tableName: t.tables.profiles });
  reader = new StoreDecisionProfileReader({ store, journeyTraits: traits, config, now: () => NOW });
});

let seq = 0;
/** A message `at` the given time, with a fresh id. */
function m(at: string, overrides: Partial<NormalisedMessage>): NormalisedMessage {
  seq++;
  return {
    messageId: `msg-${seq}-${randomUUID().slice(0, 8)}`,
    type: 'track',
    timestamp: at,
    receivedAt: at,
    sourceId: 'web',
    ...overrides,
  } as NormalisedMessage;
}

/** Projects the messages with the profiles domain's projectEvents, as the projector does. */
async function project(messages: readonly NormalisedMessage[]): Promise<void> {
  const report = await projectEvents(
    {
      store,
      eraser: new DynamoDbRawEventEraser({ client, tableName: env.EVENTS_TABLE! }),
      config,
      hasher: testHasher,
      now: () => NOW,
    },
    messages.map((message) => ({
      id: message.messageId,
      message,
      key: { pk: `RAW#${message.messageId}`, sk: 'EVENT' },
    })),
  );
  expect(report.failed).toEqual([]);
}

/** A customer with consent, two orders 30 days apart, a CSAT, an NPS, a size-guide view and a cart. */
async function customer(): Promise<{ userId: string; profileId: string }> {
  const userId = `u-${randomUUID().slice(0, 8)}`;
  await project([
    m('2026-01-01T10:00:00.000Z', {
      type: 'identify',
      userId,
      traits: { email: 'ann@example.com', firstName: 'Ann', plan: 'pro' },
      context: { timezone: 'Europe/Paris' },
    }),
    m('2026-01-01T10:01:00.000Z', {
      userId,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true, sms: false, smsService: false } } },
    }),
    m('2026-01-05T10:00:00.000Z', {
      userId,
      event: 'Order Completed',
      properties: { order_id: 'o1', revenue: 60 },
    }),
    m('2026-02-04T10:00:00.000Z', {
      userId,
      event: 'Order Completed',
      properties: { order_id: 'o2', revenue: 100 },
    }),
    m('2026-02-10T10:00:00.000Z', { userId, event: 'CSAT Submitted', properties: { score: 2 } }),
    m('2026-02-11T10:00:00.000Z', { userId, event: 'NPS Submitted', properties: { score: 9 } }),
    m('2026-01-20T10:00:00.000Z', { userId, event: 'Price Watch Added', properties: { product_id: 'p9' } }),
    m('2026-03-10T09:00:00.000Z', { userId, event: 'Size Guide Viewed', properties: { product_id: 'p1' } }),
    m('2026-03-10T09:05:00.000Z', {
      userId,
      event: 'Product Added',
      properties: { cart_id: 'c1', product_id: 'p1', price: 40, quantity: 2 },
    }),
  ]);
  const profile = await store.findByIdentifier('userId', userId);
  expect(profile).toBeDefined();
  return { userId, profileId: profile!.profileId };
}

describe('ProfileReader over the profile store', () => {
  it('returns consent per channel and purpose, with transactional allowed unless withdrawn', async () => {
    const { profileId } = await customer();
    const p = await reader.get(profileId);
    expect(p?.consent.email).toEqual({ marketing: true, transactional: true });
    expect(p?.consent.sms).toEqual({ marketing: false, transactional: false });
    expect(p?.consent.push).toEqual({ transactional: true });
  });

  it('returns the features decide and the steps read, under their names', async () => {
    const { profileId } = await customer();
    const p = await reader.get(profileId);
    expect(p?.features).toMatchObject({
      ordersCount: 2,
      avgOrderValue: 80,
      reorderDays: 30,
      lastCsat: 2,
      lastNps: 9,
      cart: { cartId: 'c1', value: 80, itemCount: 2, productIds: ['p1'] },
    });
    expect(p?.timezone).toBe('Europe/Paris');
  });

  it('keeps only the hesitation signals inside the window', async () => {
    const { profileId } = await customer();
    const p = await reader.get(profileId);
    expect(Object.keys(p?.features.hesitation as object)).toEqual(['sizeGuideViewed']);
  });

  it('leaves contact traits out and keeps the others', async () => {
    const { profileId } = await customer();
    const p = await reader.get(profileId);
    expect(p?.traits).toEqual({ firstName: 'Ann', plan: 'pro' });
    expect(JSON.stringify(p)).not.toContain('ann@example.com');
  });

  it('returns no scores before the scorer ran, and its scores after', async () => {
    const { profileId } = await customer();
    expect((await reader.get(profileId))?.scores).toEqual({});
    await store.writeScores(profileId, {
      at: NOW.toISOString(),
      values: { propensity30d: 0.4, clv12m: 210, churnRisk: 0.1, bestSendHour: 19 },
      bands: { churnRisk: 'low' },
      modelVersions: { propensity: 'v1' },
    });
    const p = await reader.get(profileId);
    expect(p?.scores).toEqual({ propensity30d: 0.4, clv12m: 210, churnRisk: 0.1, bestSendHour: 19 });
    expect(p?.features.scoreBands).toEqual({ churnRisk: 'low' });
  });

  it('answers undefined for a profile that does not exist', async () => {
    expect(await reader.get('nobody')).toBeUndefined();
  });
});

describe('ProfileWriter (journey traits)', () => {
  it('makes a journey trait visible to the reader, with where it came from', async () => {
    const { profileId } = await customer();
    await traits.setJourneyTraits(
      profileId,
      { referralInvited: true },
      {
        journey: 'loyalty-referral',
        step: 'markInvited',
        at: '2026-03-10T12:00:00.000Z',
      },
    );
    expect((await reader.get(profileId))?.traits.referralInvited).toBe(true);
    expect(await traits.read([profileId])).toEqual({
      referralInvited: {
        v: true,
        journey: 'loyalty-referral',
        step: 'markInvited',
        at: '2026-03-10T12:00:00.000Z',
      },
    });
  });

  it('adds traits to those already set, and a later write of one replaces it', async () => {
    const { profileId } = await customer();
    const source = { journey: 'j', step: 's', at: '2026-03-10T12:00:00.000Z' };
    await traits.setJourneyTraits(profileId, { tier: 'silver', visits: 1 }, source);
    await traits.setJourneyTraits(profileId, { visits: 2, welcomed: true }, source);
    const p = await reader.get(profileId);
    expect(p?.traits).toMatchObject({ tier: 'silver', visits: 2, welcomed: true });
  });

  it('neither bumps the version nor is lost when the projector commits afterwards', async () => {
    const { userId, profileId } = await customer();
    const before = await store.getProfile(profileId);
    await traits.setJourneyTraits(profileId, { referralInvited: true }, { journey: 'j', step: 's', at: 'x' });
    expect((await store.getProfile(profileId))?.version).toBe(before?.version);

    await project([m('2026-03-10T11:00:00.000Z', { type: 'identify', userId, traits: { plan: 'team' } })]);
    const p = await reader.get(profileId);
    expect(p?.traits).toMatchObject({ plan: 'team', referralInvited: true });
  });

  it('does not let a journey trait shadow a declared trait of the same name', async () => {
    const { profileId } = await customer();
    await traits.setJourneyTraits(profileId, { plan: 'free' }, { journey: 'j', step: 's', at: 'x' });
    expect((await reader.get(profileId))?.traits.plan).toBe('pro');
  });

  it('does not create a profile that does not exist (erased or never projected)', async () => {
    const outcome = await traits.write(
      'erased-person',
      { referralInvited: true },
      {
        journey: 'j',
        step: 's',
        at: 'x',
      },
    );
    expect(outcome).toBe('profile_not_found');
    const item = await client.send(
      new GetCommand({ TableName: env.PROFILES_TABLE!, Key: { pk: 'PROFILE#erased-person', sk: 'PROFILE' } }),
    );
    expect(item.Item).toBeUndefined();
  });

  it('writes on the live profile when the one named was merged into it, and reads it through either id', async () => {
    const anonymousId = `a-${randomUUID().slice(0, 8)}`;
    const userId = `u-${randomUUID().slice(0, 8)}`;
    await project([
      m('2026-03-01T10:00:00.000Z', {
        anonymousId,
        event: 'Product Viewed',
        properties: { product_id: 'p1' },
      }),
    ]);
    await project([m('2026-03-01T10:01:00.000Z', { type: 'identify', userId, traits: { firstName: 'Bo' } })]);
    const anonymous = (await store.findByIdentifier('anonymousId', anonymousId))!.profileId;
    const user = (await store.findByIdentifier('userId', userId))!.profileId;
    expect(anonymous).not.toBe(user);
    await traits.setJourneyTraits(anonymous, { browsed: true }, { journey: 'j', step: 's', at: 'x' });
    await project([m('2026-03-01T10:02:00.000Z', { type: 'identify', userId, anonymousId })]);

    const merged = await store.getProfile(anonymous);
    const loser = merged?.mergedInto ? anonymous : user;
    const winner = loser === anonymous ? user : anonymous;
    expect((await store.getProfile(loser))?.mergedInto).toBe(winner);

    await traits.setJourneyTraits(loser, { welcomed: true }, { journey: 'j', step: 's', at: 'y' });
    expect(Object.keys(await traits.read([loser]))).not.toContain('welcomed');
    for (const id of [loser, winner]) {
      const p = await reader.get(id);
      expect(p?.profileId).toBe(winner);
      expect(p?.traits).toMatchObject({ welcomed: true, firstName: 'Bo' });
    }
    // Set on the anonymous profile before the merge: still there when it is the one named.
    expect((await reader.get(anonymous))?.traits.browsed).toBe(true);
  });
});

const EMAIL: ContentBody = {
  type: 'email',
  subject: 'Free returns, always',
  preheader: 'Order with confidence',
  html: '<p>Returns are free.</p>',
  text: 'Returns are free.',
};

/** A variant of a brief, stored with the content store. */
async function storeVariants(
  journeyStep: string,
  variants: readonly {
    readonly status: Variant['status'];
    readonly channel?: Variant['channel'];
    readonly content?: ContentBody;
    readonly decision?: 'approve' | 'auto_approve';
  }[],
): Promise<string[]> {
  const briefId = `b-${randomUUID().slice(0, 8)}`;
  const at = '2026-03-01T00:00:00.000Z';
  const stored: Variant[] = variants.map((v, i) => ({
    id: `${briefId}-v${i}`,
    briefId,
    channel: v.channel ?? 'email',
    intent: 'shipping_reassurance',
    segment: 'all',
    status: v.status,
    content: v.content ?? EMAIL,
    metadata: { generator: 'offline', model: 'offline-v1' },
    checks: { passed: true, failures: [] },
    guardrail: { status: 'not_configured' },
    needsHuman: false,
    ...(v.status === 'approved'
      ? {
          review: {
            decision: v.decision ?? 'approve',
            reviewer: v.decision === 'auto_approve' ? 'auto' : 'reviewer-1',
            comment: '',
            at,
            edited: false,
          },
        }
      : {}),
    createdAt: at,
    updatedAt: `2026-03-01T00:00:0${i}.000Z`,
  }));
  await content.saveGenerated({
    briefId,
    brief: Brief.parse({
      journeyStep,
      intent: 'shipping_reassurance',
      channel: 'email',
      audience: { segment: 'all' },
    }),
    variants: stored,
    audits: [],
  });
  return stored.map((v) => v.id);
}

describe('VariantCatalogue over the content store', () => {
  const query = {
    journey: 'cart-recovery',
    step: 'reassureShipping',
    channel: 'email' as const,
    intent: 'shipping-reassurance',
  };
  let ids: string[];
  let catalogue: ContentVariantCatalogue;

  beforeAll(async () => {
    ids = await storeVariants('shipping help', [
      { status: 'approved' },
      { status: 'pending_review' },
      { status: 'approved', decision: 'auto_approve' },
      { status: 'approved', channel: 'sms', content: { type: 'sms', text: 'Returns are free.' } },
    ]);
    catalogue = new ContentVariantCatalogue({
      store: content,
      briefs: new DynamoDbBriefSteps({ client, tableName: env.CONTENT_TABLE! }),
      ttlMs: 0,
    });
  });

  it('returns only the approved variants of the channel and intent, in the send content shape', async () => {
    const out = await catalogue.approvedVariants(query);
    expect(out.map((v) => v.variantId).sort()).toEqual([ids[0], ids[2]].sort());
    for (const v of out) expect(ContentVariant.safeParse(v).success).toBe(true);
    expect(out.find((v) => v.variantId === ids[0])).toEqual({
      variantId: ids[0],
      status: 'approved',
      reviewedBy: 'reviewer-1',
      subject: EMAIL.subject,
      preheader: EMAIL.preheader,
      html: EMAIL.html,
      text: EMAIL.text,
    });
  });

  it('names no reviewer for an automatic approval, so sensitive sends cannot use it', async () => {
    const out = await catalogue.approvedVariants(query);
    expect(out.find((v) => v.variantId === ids[2])?.reviewedBy).toBeUndefined();
  });

  it('maps the journey channel and intent to the content ones (sms)', async () => {
    const out = await catalogue.approvedVariants({ ...query, channel: 'sms' });
    expect(out).toEqual([
      { variantId: ids[3], status: 'approved', reviewedBy: 'reviewer-1', text: 'Returns are free.' },
    ]);
  });

  it('returns nothing for an intent no variant has, or one the content context does not know', async () => {
    expect(await catalogue.approvedVariants({ ...query, intent: 'fit-help' })).toEqual([]);
    expect(await catalogue.approvedVariants({ ...query, intent: 'no-such-intent' })).toEqual([]);
  });

  it('offers only the variants written for the step when some name it in their brief', async () => {
    const [pinned] = await storeVariants('cart-recovery/reassureShipping', [{ status: 'approved' }]);
    const out = await catalogue.approvedVariants(query);
    expect(out.map((v) => v.variantId)).toEqual([pinned]);
    const other = await catalogue.approvedVariants({ ...query, journey: 'browse-abandonment', step: 'x' });
    expect(other.map((v) => v.variantId)).toContain(ids[0]);
  });
});

describe('wiring from the environment', () => {
  it('builds the decide and journey-step ports from the table variables', async () => {
    const { profileId } = await customer();
    const step = journeyStepPortsFromEnv(env, client);
    await step.profileWriter.setJourneyTraits(
      profileId,
      { wired: true },
      { journey: 'j', step: 's', at: 'x' },
    );
    const decide = decidePortsFromEnv(env, client);
    expect((await decide.profiles.get(profileId))?.traits.wired).toBe(true);
  });

  it('fails fast naming the missing variable', () => {
    expect(() => decidePortsFromEnv({ PROFILES_TABLE: 'p' }, client)).toThrow(/CONTENT_TABLE/);
    expect(() => journeyStepPortsFromEnv({}, client)).toThrow(/PROFILES_TABLE/);
  });
});
