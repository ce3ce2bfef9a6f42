import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/domain/audiences/normalize.js';
import {
  googleIngestRequests,
  googleRemoveRequests,
} from '../../../shared/domain/audiences/requests/google.js';
import { WrongDestinationError } from '../../../shared/domain/audiences/requests/http.js';
import {
  linkedinAddRequests,
  linkedinRemoveRequests,
} from '../../../shared/domain/audiences/requests/linkedin.js';
import {
  META_MAX_ROWS,
  metaAddRequests,
  metaRemoveRequests,
  metaReplaceRequests,
} from '../../../shared/domain/audiences/requests/meta.js';
import { tiktokAddRequests, tiktokRemoveRequests } from '../../../shared/domain/audiences/requests/tiktok.js';
import { many, member } from './members.js';

const JANE = 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69';
const AAID = '38400000-8cf0-11bd-b23e-10b96e40000d';

describe('Meta', () => {
  const config = { apiVersion: 'v25.0', audienceId: '23851234567890123' };

  it('posts the multi-key payload with only the columns the batch has, empty strings for gaps', () => {
    const { requests, skipped } = metaAddRequests(config, [
      member('meta', { email: 'JaneDoe@gmail.com', country: 'US' }),
      member('meta', { phone: '+374 93 828222', externId: 'k1.abc' }),
    ]);
    expect(skipped).toEqual([]);
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'https://graph.facebook.com/v25.0/23851234567890123/users',
        headers: {},
        body: {
          payload: {
            schema: ['EMAIL', 'PHONE', 'COUNTRY', 'EXTERN_ID'],
            data: [
              [JANE, '', sha256Hex('us'), ''],
              ['', sha256Hex('37493828222'), '', 'k1.abc'],
            ],
          },
        },
        indices: [0, 1],
      },
    ]);
  });

  it('removes with DELETE on the same edge', () => {
    const [request] = metaRemoveRequests(config, many('meta', 1)).requests;
    expect(request).toMatchObject({
      method: 'DELETE',
      url: 'https://graph.facebook.com/v25.0/23851234567890123/users',
    });
  });

  it('splits at 10,000 rows and skips people with nothing to match on', () => {
    const members = [member('meta', { firstName: 'Jane' }), ...many('meta', META_MAX_ROWS + 1)];
    const { requests, skipped } = metaAddRequests(config, members);
    expect(skipped).toEqual([0]);
    expect(requests.map((r) => r.indices.length)).toEqual([10_000, 1]);
    expect(requests[1]?.indices).toEqual([10_001]);
  });

  it('numbers the batches of a replace session and flags the last one', () => {
    const session = { sessionId: 9778993, estimatedTotal: 20_001, firstBatchSeq: 1, endsSession: true };
    const { requests } = metaReplaceRequests(config, many('meta', 20_001), session);
    expect(requests.map((r) => r.url)).toEqual(
      Array(3).fill('https://graph.facebook.com/v25.0/23851234567890123/usersreplace'),
    );
    expect(requests.map((r) => (r.body as { session: unknown }).session)).toEqual([
      { session_id: 9778993, batch_seq: 1, last_batch_flag: false, estimated_num_total: 20_001 },
      { session_id: 9778993, batch_seq: 2, last_batch_flag: false, estimated_num_total: 20_001 },
      { session_id: 9778993, batch_seq: 3, last_batch_flag: true, estimated_num_total: 20_001 },
    ]);
    const next = metaReplaceRequests(config, many('meta', 1), {
      ...session,
      firstBatchSeq: 4,
      endsSession: false,
    });
    expect(next.requests[0]?.body).toMatchObject({ session: { batch_seq: 4, last_batch_flag: false } });
  });

  it('refuses members normalised for another destination', () => {
    expect(() => metaAddRequests(config, many('google', 1))).toThrow(WrongDestinationError);
  });
});

describe('Google Data Manager', () => {
  const config = {
    operatingAccount: { accountType: 'GOOGLE_ADS' as const, accountId: '1234567890' },
    userListId: '987654321',
    termsAccepted: true,
  };

  it('ingests hex-hashed identifiers, the unhashed address codes and consent per member', () => {
    const { requests } = googleIngestRequests(config, [
      member(
        'google',
        {
          email: 'Jane.Doe+ads@gmail.com',
          phone: '+1 800 555 0100',
          firstName: 'Jane',
          lastName: 'Doe',
          country: 'us',
          zip: '94107-1234',
        },
        { adUserData: true, adPersonalization: false },
      ),
      member('google', { madid: AAID }),
    ]);
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'https://datamanager.googleapis.com/v1/audienceMembers:ingest',
        headers: {},
        body: {
          destinations: [
            {
              operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
              productDestinationId: '987654321',
            },
          ],
          audienceMembers: [
            {
              userData: {
                userIdentifiers: [
                  { emailAddress: JANE },
                  { phoneNumber: sha256Hex('+18005550100') },
                  {
                    address: {
                      givenName: sha256Hex('jane'),
                      familyName: sha256Hex('doe'),
                      regionCode: 'US',
                      postalCode: '94107',
                    },
                  },
                ],
              },
              consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' },
            },
            { mobileData: { mobileIds: [AAID] } },
          ],
          encoding: 'HEX',
          termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' },
        },
        indices: [0, 1],
      },
    ]);
  });

  it('sends an address only with all four parts', () => {
    const { requests, skipped } = googleIngestRequests(config, [
      member('google', { firstName: 'Jane', lastName: 'Doe', country: 'us' }),
    ]);
    expect(requests).toEqual([]);
    expect(skipped).toEqual([0]);
  });

  it('removes without consent or terms, and splits at 10,000 members', () => {
    const { requests } = googleRemoveRequests({ ...config, termsAccepted: false }, many('google', 10_001));
    expect(requests.map((r) => r.indices.length)).toEqual([10_000, 1]);
    expect(requests[0]?.url).toBe('https://datamanager.googleapis.com/v1/audienceMembers:remove');
    expect(Object.keys(requests[0]?.body as object).sort()).toEqual([
      'audienceMembers',
      'destinations',
      'encoding',
    ]);
  });
});

describe('TikTok', () => {
  const config = { advertiserId: '7000000000000000001', audienceId: '1234567' };

  it('maps hashed ids to segment rows aligned with id_schema', () => {
    const { requests } = tiktokAddRequests(config, [
      member('tiktok', { email: 'JaneDoe@gmail.com' }),
      member('tiktok', { phone: '374-93-828222', madid: AAID, madidType: 'aaid' }),
    ]);
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'https://business-api.tiktok.com/open_api/v1.3/segment/mapping/',
        headers: {},
        body: {
          advertiser_ids: ['7000000000000000001'],
          action: 'add',
          id_schema: ['EMAIL_SHA256', 'PHONE_SHA256', 'GAID_SHA256'],
          batch_data: [
            [{ id: JANE, audience_ids: ['1234567'] }, {}, {}],
            [
              {},
              {
                id: '65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4',
                audience_ids: ['1234567'],
              },
              { id: sha256Hex(AAID), audience_ids: ['1234567'] },
            ],
          ],
        },
        indices: [0, 1],
      },
    ]);
  });

  it('deletes with the same shape and splits at 1,000 people', () => {
    const { requests } = tiktokRemoveRequests(config, many('tiktok', 1_001));
    expect(requests.map((r) => [(r.body as { action: string }).action, r.indices.length])).toEqual([
      ['delete', 1_000],
      ['delete', 1],
    ]);
  });
});

describe('LinkedIn', () => {
  const config = { apiVersion: '202611', segmentId: '10804' };

  it('batch-creates ADD elements with SHA256_EMAIL and GOOGLE_AID, never names', () => {
    const { requests, skipped } = linkedinAddRequests(config, [
      member('linkedin', { email: 'JaneDoe@gmail.com', firstName: 'Jane', madid: AAID, madidType: 'aaid' }),
      member('linkedin', { phone: '+37493828222' }),
    ]);
    expect(skipped).toEqual([1]);
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'https://api.linkedin.com/rest/dmpSegments/10804/users',
        headers: {
          'LinkedIn-Version': '202611',
          'X-Restli-Protocol-Version': '2.0.0',
          'X-RestLi-Method': 'BATCH_CREATE',
        },
        body: {
          elements: [
            {
              action: 'ADD',
              userIds: [
                { idType: 'SHA256_EMAIL', idValue: JANE },
                { idType: 'GOOGLE_AID', idValue: AAID },
              ],
            },
          ],
        },
        indices: [0],
      },
    ]);
  });

  it('removes with REMOVE elements, 5,000 a request', () => {
    const { requests } = linkedinRemoveRequests(config, many('linkedin', 5_001));
    expect(requests.map((r) => r.indices.length)).toEqual([5_000, 1]);
    expect(requests[1]?.body).toMatchObject({ elements: [{ action: 'REMOVE' }] });
  });
});
