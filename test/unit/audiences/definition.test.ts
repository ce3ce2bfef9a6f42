import { describe, expect, it } from 'vitest';
import {
  type AudienceCandidate,
  AudienceDefinition,
  type AudienceDefinitionInput,
  evaluate,
  holdoutPosition,
  meetsMinimumSize,
  sensitiveWordIn,
} from '../../../shared/domain/audiences/definition.js';
import { HashKeyUnavailableError } from '../../../shared/domain/privacy/keyed-hash.js';

const KEY = 'holdout-key-of-at-least-32-characters!';

const input = (over: Partial<AudienceDefinitionInput> = {}): AudienceDefinitionInput => ({
  id: 'likely-buyers',
  version: 3,
  name: 'Likely buyers',
  rule: { all: [{ source: 'scores', path: 'propensity30d', op: 'gte', value: 0.5 }] },
  modelVersions: { propensity: 'v7' },
  destinations: ['meta', 'google'],
  holdoutShare: 0.1,
  ...over,
});
const definition = (over: Partial<AudienceDefinitionInput> = {}) => AudienceDefinition.parse(input(over));

const candidate = (over: Partial<AudienceCandidate> = {}, profileId = 'p-1'): AudienceCandidate => ({
  profile: { profileId, traits: {}, features: {}, scores: { propensity30d: 0.8 }, consent: {} },
  modelVersions: { propensity: 'v7' },
  consent: { advertising: true },
  ...over,
});

/** A profile id outside the holdout of `likely-buyers` at 10 %. */
const uploaded = Array.from({ length: 50 }, (_, i) => `p-${i}`).find(
  (id) => holdoutPosition(KEY, 'likely-buyers', id) >= 0.1,
)!;

describe('AudienceDefinition', () => {
  it('accepts a rule over scores with the model version they come from', () => {
    expect(definition().holdoutShare).toBe(0.1);
    expect(AudienceDefinition.parse({ ...input(), holdoutShare: undefined }).holdoutShare).toBe(0.1);
  });

  it('refuses a rule over scores that names no model version', () => {
    const r = AudienceDefinition.safeParse(input({ modelVersions: {} }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['modelVersions']);
  });

  it('refuses a holdout above half, a repeated destination and an unknown one', () => {
    expect(AudienceDefinition.safeParse(input({ holdoutShare: 0.6 })).success).toBe(false);
    expect(AudienceDefinition.safeParse(input({ destinations: ['meta', 'meta'] })).success).toBe(false);
    expect(AudienceDefinition.safeParse({ ...input(), destinations: ['snapchat'] }).success).toBe(false);
  });

  it('refuses names that suggest health or financial status, naming the word', () => {
    const r = AudienceDefinition.safeParse(input({ name: 'Diabetes shoppers' }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("'diabet'");
    for (const name of ['High income buyers', 'People in debt', 'Payday regulars', 'Low-income families'])
      expect([name, sensitiveWordIn(name)]).not.toEqual([name, undefined]);
  });

  it('keeps neutral names, including ones that merely contain a listed word', () => {
    for (const name of ['Likely buyers', 'Richmond shoppers', 'Chronicle readers', 'Garden fertiliser fans'])
      expect([name, sensitiveWordIn(name)]).toEqual([name, undefined]);
    expect(sensitiveWordIn('Rich customers')).toBe('rich');
    expect(sensitiveWordIn('Ménière patients')).toBe('patient');
  });
});

describe('evaluate', () => {
  it('uploads a member to each destination with consent', () => {
    const m = evaluate(definition(), candidate({ country: 'us' }, uploaded), KEY);
    expect(m).toEqual({
      member: true,
      holdout: false,
      reason: 'member',
      destinations: {
        meta: { upload: true },
        google: { upload: true, consent: {} },
      },
    });
  });

  it('is not a member when the rule does not hold', () => {
    const low = candidate({ profile: { ...candidate().profile, scores: { propensity30d: 0.2 } } }, uploaded);
    expect(evaluate(definition(), low, KEY)).toEqual({ member: false, reason: 'rule_not_met' });
  });

  it('is not a member while scored by another model version', () => {
    expect(evaluate(definition(), candidate({ modelVersions: { propensity: 'v6' } }, uploaded), KEY)).toEqual(
      {
        member: false,
        reason: 'model_version_mismatch',
      },
    );
  });

  it('uploads nobody without the advertising purpose', () => {
    const m = evaluate(definition(), candidate({ consent: { advertising: false } }, uploaded), KEY);
    expect(m.member && !m.holdout && m.destinations).toEqual({
      meta: { upload: false, reason: 'no_advertising_consent' },
      google: { upload: false, reason: 'no_advertising_consent' },
    });
  });

  it('treats a person of unknown country as inside Google’s consent region', () => {
    const m = evaluate(definition(), candidate({}, uploaded), KEY);
    expect(m.member && !m.holdout && m.destinations.google).toEqual({
      upload: false,
      reason: 'no_google_eu_consent',
    });
  });

  it('sends EEA people to Google only with ad_user_data and ad_personalization granted', () => {
    const partial = candidate({ country: 'de', consent: { advertising: true, adUserData: true } }, uploaded);
    const full = candidate(
      { country: 'de', consent: { advertising: true, adUserData: true, adPersonalization: true } },
      uploaded,
    );
    const a = evaluate(definition(), partial, KEY);
    const b = evaluate(definition(), full, KEY);
    expect(a.member && !a.holdout && a.destinations.google).toEqual({
      upload: false,
      reason: 'no_google_eu_consent',
    });
    expect(a.member && !a.holdout && a.destinations.meta).toEqual({ upload: true });
    expect(b.member && !b.holdout && b.destinations.google).toEqual({
      upload: true,
      consent: { adUserData: true, adPersonalization: true },
    });
  });

  it('holds out about the configured share, the same people every time and in every version', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `profile-${i}`);
    const held = (version: number) =>
      ids.filter((id) => {
        const m = evaluate(definition({ version }), candidate({}, id), KEY);
        return m.member && m.holdout;
      });
    const v3 = held(3);
    expect(v3.length / ids.length).toBeGreaterThan(0.08);
    expect(v3.length / ids.length).toBeLessThan(0.12);
    expect(held(4)).toEqual(v3);
  });

  it('draws a different holdout under another key or for another audience', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `profile-${i}`);
    const positions = (key: string, audience: string) => ids.map((id) => holdoutPosition(key, audience, id));
    expect(positions(`${KEY}x`, 'likely-buyers')).not.toEqual(positions(KEY, 'likely-buyers'));
    expect(positions(KEY, 'lapsed-buyers')).not.toEqual(positions(KEY, 'likely-buyers'));
    for (const u of positions(KEY, 'likely-buyers')) expect(u >= 0 && u < 1).toBe(true);
  });

  it('refuses a holdout key too short to keep secret', () => {
    expect(() => evaluate(definition(), candidate(), 'short')).toThrow(HashKeyUnavailableError);
  });
});

describe('meetsMinimumSize', () => {
  it('holds each destination to its minimum', () => {
    expect(meetsMinimumSize('meta', 99)).toEqual({ ok: false, reason: 'below_minimum', minimum: 100 });
    expect(meetsMinimumSize('meta', 100)).toEqual({ ok: true });
    expect(meetsMinimumSize('linkedin', 299)).toMatchObject({ ok: false, minimum: 300 });
    expect(meetsMinimumSize('tiktok', 999)).toMatchObject({ ok: false, minimum: 1000 });
    expect(meetsMinimumSize('google', 100)).toEqual({ ok: true });
  });
});
