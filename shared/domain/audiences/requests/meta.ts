/**
 * Meta Custom Audiences requests. Adds are `POST /{audience_id}/users`, removals `DELETE` of the same
 * edge, a full refresh `POST /{audience_id}/usersreplace` in a session; the body is
 * `payload: { schema, data }` with at most 10,000 rows, in the multi-key form: `schema` names the
 * columns (EMAIL, PHONE, FN, LN, ZIP, CT, ST, COUNTRY, EXTERN_ID, MADID) and each row of `data` has
 * one value per column, an empty string where the person has none.
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/custom-audience/users
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/custom-audience/usersreplace
 * https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences (session fields)
 */
import type { AudienceMember } from '../../../ports/audiences.js';
import type { IdentifierField } from '../normalize.js';
import { type BuiltRequests, batches, type DestinationRequest } from './http.js';

/** Rows one request takes. */
export const META_MAX_ROWS = 10_000;

export const META_GRAPH_URL = 'https://graph.facebook.com';

/** Multi-key schema columns in the order Feltfit sends them. */
export const META_SCHEMA: readonly (readonly [string, IdentifierField])[] = [
  ['EMAIL', 'email'],
  ['PHONE', 'phone'],
  ['FN', 'firstName'],
  ['LN', 'lastName'],
  ['ZIP', 'zip'],
  ['CT', 'city'],
  ['ST', 'state'],
  ['COUNTRY', 'country'],
  ['EXTERN_ID', 'externId'],
  ['MADID', 'madid'],
];

export interface MetaConfig {
  /** Graph API version, e.g. `v25.0`. */
  readonly apiVersion: string;
  readonly audienceId: string;
}

/** A refresh session: Meta wants a numeric id the caller picks, and the estimated total rows. */
export interface MetaSession {
  readonly sessionId: number;
  readonly estimatedTotal: number;
  /** 1-based number of the first batch built by this call (a session spans several calls). */
  readonly firstBatchSeq: number;
  /** Whether the last batch built by this call ends the session. */
  readonly endsSession: boolean;
}

/** The `payload` of one batch: only the columns some row of the batch has. */
export function metaPayload(members: readonly AudienceMember[]): { schema: string[]; data: string[][] } {
  const columns = META_SCHEMA.filter(([, field]) => members.some((m) => m.identifiers.fields[field]));
  return {
    schema: columns.map(([key]) => key),
    data: members.map((m) => columns.map(([, field]) => m.identifiers.fields[field]?.value ?? '')),
  };
}

function build(
  config: MetaConfig,
  members: readonly AudienceMember[],
  method: 'POST' | 'DELETE',
  edge: 'users' | 'usersreplace',
  session?: MetaSession,
): BuiltRequests {
  const { batches: chunks, skipped } = batches('meta', members, META_MAX_ROWS);
  const url = `${META_GRAPH_URL}/${config.apiVersion}/${encodeURIComponent(config.audienceId)}/${edge}`;
  const requests: DestinationRequest[] = chunks.map((chunk, i) => ({
    method,
    url,
    headers: {},
    body: {
      payload: metaPayload(chunk.map((c) => c.member)),
      ...(session
        ? {
            session: {
              session_id: session.sessionId,
              batch_seq: session.firstBatchSeq + i,
              last_batch_flag: session.endsSession && i === chunks.length - 1,
              estimated_num_total: session.estimatedTotal,
            },
          }
        : {}),
    },
    indices: chunk.map((c) => c.index),
  }));
  return { requests, skipped };
}

/** `POST /{audience_id}/users` batches. */
export function metaAddRequests(config: MetaConfig, members: readonly AudienceMember[]): BuiltRequests {
  return build(config, members, 'POST', 'users');
}

/** `DELETE /{audience_id}/users` batches. */
export function metaRemoveRequests(config: MetaConfig, members: readonly AudienceMember[]): BuiltRequests {
  return build(config, members, 'DELETE', 'users');
}

/** `POST /{audience_id}/usersreplace` batches of one replace session. */
export function metaReplaceRequests(
  config: MetaConfig,
  members: readonly AudienceMember[],
  session: MetaSession,
): BuiltRequests {
  return build(config, members, 'POST', 'usersreplace', session);
}
