import { describe, expect, it } from 'vitest';
import {
  ProfileScoreSink,
  ProfileScoringSource,
  ProfileTrainingData,
} from '../../../shared/adapters/profiles/model-data.js';
import type { ProfileScan, StoredProfile, StoredScores } from '../../../shared/ports/profiles.js';
import { ev, stateOf, stored } from './support.js';

/** A scan over a list, `limit` at a time, with the index as cursor. */
function listScan(profiles: StoredProfile[]): ProfileScan & { pages: number } {
  const scan = {
    pages: 0,
    async scanLiveProfiles({ limit, cursor }: { limit: number; cursor?: string }) {
      scan.pages++;
      const from = cursor ? Number(cursor) : 0;
      const next = from + limit;
      return {
        profiles: profiles.slice(from, next),
        ...(next < profiles.length ? { cursor: String(next) } : {}),
      };
    },
  };
  return scan;
}

const buyer = (id: string, day: string, plan: string) =>
  stored(
    id,
    stateOf([
      ev(`${day}T10:00:00.000Z`, { type: 'identify', traits: { email: `${id}@x.co`, plan } }),
      ev(`${day}T12:00:00.000Z`, {
        event: 'Order Completed',
        properties: { order_id: `o-${id}`, revenue: 25 },
      }),
    ]),
  );
const browser = (id: string, at: string) =>
  stored(id, stateOf([ev(at, { event: 'Product Viewed', properties: { product_id: 'p1' } })]));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('ProfileTrainingData', () => {
  const profiles = [
    buyer('a', '2024-01-05', 'pro'),
    browser('b', '2024-02-01T00:00:00.000Z'),
    buyer('c', '2024-03-05', 'free'),
  ];

  it('yields a purchase summary per buyer by then, across scan pages, with cohort traits only', async () => {
    const scan = listScan(profiles);
    const data = new ProfileTrainingData({ scan, cohortTraits: ['plan'], pageSize: 2 });
    const rows = await collect(data.purchaseSummaries('2024-02-28'));
    expect(rows).toEqual([
      {
        customerId: 'a',
        firstPurchaseDay: '2024-01-05',
        lastPurchaseDay: '2024-01-05',
        distinctPurchaseDays: 1,
        repeatSpend: 0,
        traits: { plan: 'pro' },
      },
    ]);
    expect(scan.pages).toBe(2);
  });

  it('yields a propensity row per profile seen before the cutoff, labelled by a purchase in the horizon', async () => {
    const data = new ProfileTrainingData({ scan: listScan(profiles), cohortTraits: ['plan'], pageSize: 2 });
    const rows = await collect(data.propensityRows('2024-03-01T00:00:00.000Z', 30));
    expect(rows.map((r) => [r.profileId, r.label])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    const withC = await collect(data.propensityRows('2024-03-05T11:00:00.000Z', 30));
    expect(withC.find((r) => r.profileId === 'c')?.label).toBe(true);
    expect(rows[0]?.traits).toEqual({ plan: 'pro' });
  });
});

describe('ProfileScoringSource', () => {
  const now = () => new Date('2024-04-01T00:00:00.000Z');

  it('gives the purchase summary and features as of now and the last bands', async () => {
    const profile = buyer('a', '2024-01-05', 'pro');
    const source = new ProfileScoringSource({
      store: {
        getLiveProfile: async () => ({
          ...profile,
          scores: {
            at: '2024-03-31T00:00:00.000Z',
            values: { churnRisk: 0.2 },
            bands: { churnRisk: 'low', other: 'high', clv12m: 'enormous' },
            modelVersions: { clv: 'v1' },
          },
        }),
        scanLiveProfiles: async () => ({ profiles: [] }),
      },
      now,
    });
    const scoring = await source.get('a');
    expect(scoring).toMatchObject({
      profileId: 'a',
      purchases: { firstPurchaseDay: '2024-01-05', distinctPurchaseDays: 1 },
      lastScored: { at: '2024-03-31T00:00:00.000Z', bands: { churnRisk: 'low' } },
    });
    expect(scoring?.lastScored?.bands).toEqual({ churnRisk: 'low' });
    expect(Object.keys(scoring?.features ?? {})).toHaveLength(9);
  });

  it('pages through profiles with the scan cursor', async () => {
    const source = new ProfileScoringSource({
      store: {
        getLiveProfile: async () => undefined,
        ...listScan([browser('a', '2024-01-01T00:00:00.000Z'), browser('b', '2024-01-01T00:00:00.000Z')]),
      },
      now,
    });
    const first = await source.page(1);
    const second = await source.page(1, first.cursor);
    expect([first.profiles[0]?.profileId, second.profiles[0]?.profileId]).toEqual(['a', 'b']);
    expect(second.cursor).toBeUndefined();
    expect(first.profiles[0]?.purchases).toBeUndefined();
  });
});

describe('ProfileScoreSink', () => {
  it('stores finite scores, bands and model versions with the time', async () => {
    const written: [string, StoredScores][] = [];
    const sink = new ProfileScoreSink({
      writeScores: async (id, scores) => {
        written.push([id, scores]);
        return 'written';
      },
    });
    await sink.writeScores(
      'pf_1',
      {
        churnRisk: 0.75,
        clv12m: Number.NaN,
        propensity30d: 0.1,
        bands: { churnRisk: 'high', propensity30d: 'low' },
      },
      { clv: 'v1', propensity: 'v2' },
      '2024-04-01T00:00:00.000Z',
    );
    expect(written).toEqual([
      [
        'pf_1',
        {
          at: '2024-04-01T00:00:00.000Z',
          values: { churnRisk: 0.75, propensity30d: 0.1 },
          bands: { churnRisk: 'high', propensity30d: 'low' },
          modelVersions: { clv: 'v1', propensity: 'v2' },
        },
      ],
    ]);
  });
});
