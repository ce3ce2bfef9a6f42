import { describe, expect, it } from 'vitest';
import { countAudience } from '../../../shared/domain/audiences/admin.js';
import { type AudienceCandidate, AudienceDefinition } from '../../../shared/domain/audiences/definition.js';
import type { AudienceCandidateSource } from '../../../shared/ports/audience-definitions.js';

const KEY = 'holdout-key-of-at-least-32-characters!';

const definition = AudienceDefinition.parse({
  id: 'likely-buyers',
  version: 2,
  name: 'Likely buyers',
  rule: { all: [{ source: 'scores', path: 'propensity30d', op: 'gte', value: 0.5 }] },
  modelVersions: { propensity: 'v7' },
  destinations: ['meta', 'linkedin'],
  holdoutShare: 0,
});

const candidate = (i: number): AudienceCandidate => ({
  profile: { profileId: `p-${i}`, traits: {}, features: {}, scores: { propensity30d: 0.9 }, consent: {} },
  modelVersions: { propensity: 'v7' },
  consent: { advertising: i % 2 === 0 },
});

/** `total` candidates in pages of the size asked for, counting the pages read. */
function source(total: number): AudienceCandidateSource & { pages: number } {
  const all = Array.from({ length: total }, (_, i) => candidate(i));
  const s = {
    pages: 0,
    async page(limit: number, cursor?: string) {
      s.pages++;
      const from = Number(cursor ?? 0);
      const next = from + limit;
      return { candidates: all.slice(from, next), ...(next < total ? { cursor: String(next) } : {}) };
    },
  };
  return s;
}

describe('countAudience', () => {
  it('counts uploadable members per destination against its minimum size', async () => {
    const count = await countAudience(source(250), definition, KEY, { pageSize: 100 });
    expect(count).toMatchObject({ members: 250, holdout: 0, scanned: 250, complete: true });
    expect(count.destinations.meta).toEqual({
      uploadable: 125,
      refused: { no_advertising_consent: 125, no_google_eu_consent: 0 },
      minimum: 100,
      meetsMinimum: true,
    });
    expect(count.destinations.linkedin).toMatchObject({ uploadable: 125, minimum: 300, meetsMinimum: false });
    expect(count.sample).toHaveLength(10);
  });

  it('stops at the profile budget and says the count is a lower bound', async () => {
    const s = source(1_000);
    const count = await countAudience(s, definition, KEY, { pageSize: 100, maxProfiles: 300, sampleSize: 0 });
    expect(count).toMatchObject({ members: 300, scanned: 300, complete: false, sample: [] });
    expect(s.pages).toBe(3);
  });

  it('stops when the time budget is spent, after the page in hand', async () => {
    // A fake clock that advances 5 s at each reading: the start, then after each page.
    let t = 0;
    const clock = () => (t += 5_000);
    const count = await countAudience(source(1_000), definition, KEY, { pageSize: 100, maxMs: 8_000, clock });
    expect(count).toMatchObject({ scanned: 200, complete: false });
  });
});
