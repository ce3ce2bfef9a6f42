import { describe, expect, it } from 'vitest';
import { scoringProfiles } from '../../../functions/score-profiles/profiles.js';
import { trainingData } from '../../../functions/train-models/profiles.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import {
  profileConsentRecorderFromEnv,
  profileRecipientSourceFromEnv,
  profileScoringFromEnv,
} from '../../../shared/adapters/profiles/wiring.js';
import { testHasher } from '../../support/hasher.js';

const client = documentClient({ region: 'us-east-1' });

describe('profiles wiring', () => {
  it('fails fast naming the missing table variables', () => {
    expect(() => profileRecipientSourceFromEnv({}, client)).toThrow(/invalid environment: PROFILES_TABLE/);
    expect(() => profileConsentRecorderFromEnv({ PROFILES_TABLE: 'p' }, testHasher, client)).toThrow(
      /EVENTS_TABLE/,
    );
    expect(() => trainingData({})).toThrow(/PROFILES_TABLE/);
    expect(() => scoringProfiles({})).toThrow(/PROFILES_TABLE/);
  });

  it('rejects an invalid PROFILES_CONFIG or RETENTION_DAYS by name', () => {
    expect(() =>
      profileRecipientSourceFromEnv({ PROFILES_TABLE: 'p', PROFILES_CONFIG: '{' }, client),
    ).toThrow(/PROFILES_CONFIG/);
    expect(() =>
      profileConsentRecorderFromEnv(
        { PROFILES_TABLE: 'p', EVENTS_TABLE: 'e', RETENTION_DAYS: 'soon' },
        testHasher,
        client,
      ),
    ).toThrow(/RETENTION_DAYS/);
  });

  it('builds the adapters from a complete environment', () => {
    const env = { PROFILES_TABLE: 'p', EVENTS_TABLE: 'e' };
    expect(profileRecipientSourceFromEnv(env, client).getRecipient).toBeTypeOf('function');
    expect(profileConsentRecorderFromEnv(env, testHasher, client).withdraw).toBeTypeOf('function');
    const { source, sink } = profileScoringFromEnv(env, () => new Date(), client);
    expect([source.page, sink.writeScores].every((f) => typeof f === 'function')).toBe(true);
    expect(
      trainingData({ ...env, MODELS_CONFIG: JSON.stringify({ fairness: { cohortTraits: ['plan'] } }) }),
    ).toBeDefined();
  });
});
