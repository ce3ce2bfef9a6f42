import { afterEach, describe, expect, it } from 'vitest';
import { LocalAudiencePlatforms } from '../../../infra/local/audience-platforms.js';
import {
  audienceDestinations,
  DestinationSettingsError,
  destinationSettings,
} from '../../../shared/adapters/audiences/wiring.js';
import { AUDIENCE_DESTINATIONS } from '../../../shared/domain/audiences/normalize.js';
import { member } from './members.js';

const SETTINGS = JSON.stringify({
  meta: { apiVersion: 'v25.0' },
  google: { operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' }, termsAccepted: true },
  tiktok: { advertiserId: '7000' },
  linkedin: { apiVersion: '202611' },
  s3: { bucket: 'feltfit-exports' },
});

let fake: LocalAudiencePlatforms | undefined;
afterEach(() => fake?.close());

describe('audience destination wiring', () => {
  it('builds only the destinations configured', () => {
    const ports = audienceDestinations({ AUDIENCE_DESTINATIONS: '{"tiktok":{"advertiserId":"7000"}}' });
    expect(Object.keys(ports)).toEqual(['tiktok']);
    expect(audienceDestinations({})).toEqual({});
  });

  it('points every destination at the local fake when AUDIENCE_API_URL is set', async () => {
    fake = new LocalAudiencePlatforms();
    const url = await fake.listen();
    const ports = audienceDestinations({ AUDIENCE_DESTINATIONS: SETTINGS, AUDIENCE_API_URL: url });
    for (const destination of AUDIENCE_DESTINATIONS) {
      const port = ports[destination]!;
      const result = await port.add({ destination, externalId: 'list-1' }, [
        member(destination, { email: 'ann@example.com' }),
      ]);
      expect(result, destination).toMatchObject({ kind: 'done', rows: [{ outcome: 'accepted' }] });
    }
    expect(new Set(fake.received.map((r) => r.destination))).toEqual(
      new Set([...AUDIENCE_DESTINATIONS, 'google-oauth']),
    );
  });

  it('names the variable and the setting that is wrong', () => {
    expect(() => destinationSettings({ AUDIENCE_DESTINATIONS: '{"meta":{"apiVersion":"25"}}' })).toThrow(
      /^AUDIENCE_DESTINATIONS\.meta\.apiVersion: /,
    );
    expect(() => destinationSettings({ AUDIENCE_DESTINATIONS: '{"snapchat":{}}' })).toThrow(
      DestinationSettingsError,
    );
    expect(() => destinationSettings({ AUDIENCE_DESTINATIONS: 'meta' })).toThrow(/must be JSON/);
  });
});
