/**
 * LinkedIn DMP segment user requests: `POST /rest/dmpSegments/{id}/users` with `X-RestLi-Method:
 * BATCH_CREATE` and `elements`, each `{ action: "ADD" | "REMOVE", userIds: [{ idType, idValue }] }`
 * — `SHA256_EMAIL` (64 hex characters) and, for an Android advertising id, `GOOGLE_AID`. The API also
 * takes first and last names, title and company in clear text; Feltfit sends none of them.
 * https://learn.microsoft.com/en-us/linkedin/marketing/matched-audiences/create-and-manage-segment-users
 * The page states a rate limit (600 requests a minute per member) but no batch size we could find;
 * batches are kept to 5,000 elements.
 */
import type { AudienceMember } from '../../../ports/audiences.js';
import { type BuiltRequests, batches } from './http.js';

export const LINKEDIN_MAX_ELEMENTS = 5_000;
export const LINKEDIN_REST_URL = 'https://api.linkedin.com/rest';

export interface LinkedInConfig {
  /** `LinkedIn-Version` header, `YYYYMM`. */
  readonly apiVersion: string;
  readonly segmentId: string;
}

function userIds(member: AudienceMember): { idType: 'SHA256_EMAIL' | 'GOOGLE_AID'; idValue: string }[] {
  const f = member.identifiers.fields;
  return [
    ...(f.email?.hashed ? [{ idType: 'SHA256_EMAIL' as const, idValue: f.email.value }] : []),
    ...(f.madid && member.identifiers.madidType === 'aaid'
      ? [{ idType: 'GOOGLE_AID' as const, idValue: f.madid.value }]
      : []),
  ];
}

function build(
  config: LinkedInConfig,
  members: readonly AudienceMember[],
  action: 'ADD' | 'REMOVE',
): BuiltRequests {
  const { batches: chunks, skipped } = batches(
    'linkedin',
    members,
    LINKEDIN_MAX_ELEMENTS,
    (m) => userIds(m).length > 0,
  );
  return {
    skipped,
    requests: chunks.map((chunk) => ({
      method: 'POST',
      url: `${LINKEDIN_REST_URL}/dmpSegments/${encodeURIComponent(config.segmentId)}/users`,
      headers: {
        'LinkedIn-Version': config.apiVersion,
        'X-Restli-Protocol-Version': '2.0.0',
        'X-RestLi-Method': 'BATCH_CREATE',
      },
      body: { elements: chunk.map(({ member }) => ({ action, userIds: userIds(member) })) },
      indices: chunk.map((c) => c.index),
    })),
  };
}

export function linkedinAddRequests(
  config: LinkedInConfig,
  members: readonly AudienceMember[],
): BuiltRequests {
  return build(config, members, 'ADD');
}

export function linkedinRemoveRequests(
  config: LinkedInConfig,
  members: readonly AudienceMember[],
): BuiltRequests {
  return build(config, members, 'REMOVE');
}
