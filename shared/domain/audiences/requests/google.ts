/**
 * Google Data Manager API requests: `POST /v1/audienceMembers:ingest` and `:remove`, at most 10,000
 * members a request, identifiers hex-encoded SHA-256 (`encoding: "HEX"`), and per member the consent
 * for ad user data and ad personalisation. A member is `userData` (email, phone and the address —
 * given and family name hashed, region and postal code unhashed — sent only when all four parts are
 * known) or, without any of those, `mobileData` with its unhashed mobile ids.
 * https://developers.google.com/data-manager/api/reference/rest/v1/audienceMembers/ingest
 * https://developers.google.com/data-manager/api/reference/rest/v1/UserData
 * https://developers.google.com/data-manager/api/get-started/formatting
 * Not the Google Ads API's Customer Match upload, which refuses new integrations since 2026-04-01.
 */
import type { AudienceMember } from '../../../ports/audiences.js';
import type { GoogleConsent } from '../definition.js';
import { type BuiltRequests, batches } from './http.js';

export const GOOGLE_MAX_MEMBERS = 10_000;
export const DATA_MANAGER_URL = 'https://datamanager.googleapis.com/v1';

export interface GoogleConfig {
  /** The account that owns the user list (Google Ads customer id, digits only). */
  readonly operatingAccount: {
    readonly accountType: 'GOOGLE_ADS' | 'DISPLAY_VIDEO_ADVERTISER';
    readonly accountId: string;
  };
  /** The manager account the credentials log in as, when it is not the operating account. */
  readonly loginAccount?: {
    readonly accountType: 'GOOGLE_ADS' | 'DISPLAY_VIDEO_PARTNER';
    readonly accountId: string;
  };
  /** The user list's id (`productDestinationId`). */
  readonly userListId: string;
  /** The advertiser accepted Customer Match's terms of service; sent as `ACCEPTED` with each ingest. */
  readonly termsAccepted: boolean;
}

type UserIdentifier =
  | { emailAddress: string }
  | { phoneNumber: string }
  | { address: { givenName: string; familyName: string; regionCode: string; postalCode: string } };

const status = (granted: boolean) => (granted ? 'CONSENT_GRANTED' : 'CONSENT_DENIED');

function consentOf(consent: GoogleConsent | undefined): Record<string, string> | undefined {
  if (!consent || (consent.adUserData === undefined && consent.adPersonalization === undefined))
    return undefined;
  return {
    ...(consent.adUserData === undefined ? {} : { adUserData: status(consent.adUserData) }),
    ...(consent.adPersonalization === undefined
      ? {}
      : { adPersonalization: status(consent.adPersonalization) }),
  };
}

/** The identifiers of one member: userData when it has any, else mobileData; undefined when neither. */
export function googleMemberData(
  member: AudienceMember,
): { userData: { userIdentifiers: UserIdentifier[] } } | { mobileData: { mobileIds: string[] } } | undefined {
  const f = member.identifiers.fields;
  const ids: UserIdentifier[] = [];
  if (f.email) ids.push({ emailAddress: f.email.value });
  if (f.phone) ids.push({ phoneNumber: f.phone.value });
  if (f.firstName && f.lastName && f.country && f.zip)
    ids.push({
      address: {
        givenName: f.firstName.value,
        familyName: f.lastName.value,
        regionCode: f.country.value,
        postalCode: f.zip.value,
      },
    });
  if (ids.length > 0) return { userData: { userIdentifiers: ids } };
  if (f.madid) return { mobileData: { mobileIds: [f.madid.value] } };
  return undefined;
}

function destinations(config: GoogleConfig) {
  return [
    {
      operatingAccount: config.operatingAccount,
      ...(config.loginAccount ? { loginAccount: config.loginAccount } : {}),
      productDestinationId: config.userListId,
    },
  ];
}

function build(
  config: GoogleConfig,
  members: readonly AudienceMember[],
  operation: 'ingest' | 'remove',
): BuiltRequests {
  const { batches: chunks, skipped } = batches(
    'google',
    members,
    GOOGLE_MAX_MEMBERS,
    (m) => googleMemberData(m) !== undefined,
  );
  const ingest = operation === 'ingest';
  return {
    skipped,
    requests: chunks.map((chunk) => ({
      method: 'POST',
      url: `${DATA_MANAGER_URL}/audienceMembers:${operation}`,
      headers: {},
      body: {
        destinations: destinations(config),
        audienceMembers: chunk.map(({ member }) => {
          // Consent goes with what is added; a removal needs none.
          const consent = ingest ? consentOf(member.consent) : undefined;
          return { ...googleMemberData(member), ...(consent ? { consent } : {}) };
        }),
        encoding: 'HEX',
        ...(ingest && config.termsAccepted
          ? { termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' } }
          : {}),
      },
      indices: chunk.map((c) => c.index),
    })),
  };
}

/** `audienceMembers:ingest` requests, consent per member. */
export function googleIngestRequests(
  config: GoogleConfig,
  members: readonly AudienceMember[],
): BuiltRequests {
  return build(config, members, 'ingest');
}

/** `audienceMembers:remove` requests. */
export function googleRemoveRequests(
  config: GoogleConfig,
  members: readonly AudienceMember[],
): BuiltRequests {
  return build(config, members, 'remove');
}
