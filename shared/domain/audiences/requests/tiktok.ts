/**
 * TikTok audience segment requests: `POST /open_api/v1.3/segment/mapping/` with `action` `add` or
 * `delete`, an `id_schema` naming the hashed id types (EMAIL_SHA256, PHONE_SHA256, IDFA_SHA256,
 * GAID_SHA256) and `batch_data`, one array per person aligned with `id_schema`: `{ id, audience_ids }`
 * where the person has that id, `{}` where not. The shape follows TikTok's segment API as Segment's
 * TikTok Audiences destination sends it (segmentio/action-destinations,
 * packages/destination-actions/src/destinations/tiktok-audiences/functions.ts); TikTok's own API page
 * was not reachable here, nor its per-request limit, so batches are kept to 1,000 people — the batch
 * size Tealium's TikTok connector uses (https://docs.tealium.com/server-side-connectors/tiktok-audiences-tealium-provided-credentials-connector/).
 */
import type { AudienceMember } from '../../../ports/audiences.js';
import { type BuiltRequests, batches } from './http.js';

export const TIKTOK_MAX_ROWS = 1_000;
export const TIKTOK_SEGMENT_MAPPING_URL = 'https://business-api.tiktok.com/open_api/v1.3/segment/mapping/';

export interface TikTokConfig {
  readonly advertiserId: string;
  readonly audienceId: string;
}

type IdType = 'EMAIL_SHA256' | 'PHONE_SHA256' | 'IDFA_SHA256' | 'GAID_SHA256';

/** A member's hashed ids by TikTok id type. */
function idsOf(member: AudienceMember): Partial<Record<IdType, string>> {
  const f = member.identifiers.fields;
  const out: Partial<Record<IdType, string>> = {};
  if (f.email?.hashed) out.EMAIL_SHA256 = f.email.value;
  if (f.phone?.hashed) out.PHONE_SHA256 = f.phone.value;
  if (f.madid?.hashed && member.identifiers.madidType)
    out[member.identifiers.madidType === 'idfa' ? 'IDFA_SHA256' : 'GAID_SHA256'] = f.madid.value;
  return out;
}

const ORDER: readonly IdType[] = ['EMAIL_SHA256', 'PHONE_SHA256', 'IDFA_SHA256', 'GAID_SHA256'];

function build(
  config: TikTokConfig,
  members: readonly AudienceMember[],
  action: 'add' | 'delete',
): BuiltRequests {
  const { batches: chunks, skipped } = batches(
    'tiktok',
    members,
    TIKTOK_MAX_ROWS,
    (m) => Object.keys(idsOf(m)).length > 0,
  );
  return {
    skipped,
    requests: chunks.map((chunk) => {
      const rows = chunk.map(({ member }) => idsOf(member));
      const idSchema = ORDER.filter((t) => rows.some((r) => r[t] !== undefined));
      return {
        method: 'POST',
        url: TIKTOK_SEGMENT_MAPPING_URL,
        headers: {},
        body: {
          advertiser_ids: [config.advertiserId],
          action,
          id_schema: idSchema,
          batch_data: rows.map((r) =>
            idSchema.map((t) => (r[t] === undefined ? {} : { id: r[t], audience_ids: [config.audienceId] })),
          ),
        },
        indices: chunk.map((c) => c.index),
      };
    }),
  };
}

export function tiktokAddRequests(config: TikTokConfig, members: readonly AudienceMember[]): BuiltRequests {
  return build(config, members, 'add');
}

export function tiktokRemoveRequests(
  config: TikTokConfig,
  members: readonly AudienceMember[],
): BuiltRequests {
  return build(config, members, 'delete');
}
