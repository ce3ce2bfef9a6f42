/**
 * Destination credentials, one Secrets Manager secret per platform holding a JSON object:
 *   meta     { "accessToken" }                                (a system user token, ads_management)
 *   google   { "clientId", "clientSecret", "refreshToken" }   (OAuth client with the datamanager scope)
 *   tiktok   { "accessToken" }                                (a Marketing API long-term token)
 *   linkedin { "accessToken" }                                (rw_dmp_segments)
 * read from `AUDIENCE_<DESTINATION>_CREDENTIALS` (the JSON itself: local runs and tests) or through
 * the secrets extension from `AUDIENCE_<DESTINATION>_SECRET_ARN`, kept five minutes so a rotated
 * secret is picked up without a cold start. The S3 export needs none: it uses the function's role.
 */
import * as z from 'zod';
import type { AudienceDestination } from '../../domain/audiences/normalize.js';
import { readSecretThroughExtension, SecretUnavailableError } from '../secrets.js';

/** The narrow port the adapters read credentials through. */
export interface DestinationCredentials {
  /** The secret's JSON text; throws SecretUnavailableError when it cannot be read. */
  secret(destination: AudienceDestination): Promise<string>;
}

export const TokenCredentials = z.object({ accessToken: z.string().min(1) });
export type TokenCredentials = z.infer<typeof TokenCredentials>;
export const GoogleOAuthCredentials = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
});
export type GoogleOAuthCredentials = z.infer<typeof GoogleOAuthCredentials>;

/** The variables a destination's credentials come from. */
export const credentialVariables = (destination: AudienceDestination) => {
  const prefix = `AUDIENCE_${destination.toUpperCase()}`;
  return { json: `${prefix}_CREDENTIALS`, arn: `${prefix}_SECRET_ARN` };
};

/** Credentials from the environment or Secrets Manager, cached `ttlMs`. */
export class SecretCredentials implements DestinationCredentials {
  private readonly cache = new Map<AudienceDestination, { value: string; until: number }>();

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 300_000,
  ) {}

  async secret(destination: AudienceDestination): Promise<string> {
    const { json, arn } = credentialVariables(destination);
    const direct = this.env[json];
    if (direct) return direct;
    const secretArn = this.env[arn];
    if (!secretArn) throw new SecretUnavailableError(`invalid environment: set ${json} or ${arn}`);
    const hit = this.cache.get(destination);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await readSecretThroughExtension(secretArn, arn, this.env, this.fetchImpl);
    this.cache.set(destination, { value, until: this.now() + this.ttlMs });
    return value;
  }
}

/** Reads and validates one destination's credentials; a bad secret names its destination, never its content. */
export async function readCredentials<T>(
  source: DestinationCredentials,
  destination: AudienceDestination,
  schema: z.ZodType<T>,
): Promise<T> {
  const text = await source.secret(destination);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretUnavailableError(`the ${destination} credentials are not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new SecretUnavailableError(
      `the ${destination} credentials lack ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  return parsed.data;
}

/** A credentials failure as an upload answer: not retryable, the secret has to be fixed first. */
export function credentialsFailure(cause: unknown) {
  if (!(cause instanceof SecretUnavailableError)) throw cause;
  return {
    kind: 'failed' as const,
    retryable: false,
    code: 'credentials_unavailable',
    message: cause.message,
  };
}

/** The access token of a token secret (Meta, TikTok, LinkedIn), or the failure of reading it. */
export async function accessToken(source: DestinationCredentials, destination: AudienceDestination) {
  try {
    return (await readCredentials(source, destination, TokenCredentials)).accessToken;
  } catch (cause) {
    return credentialsFailure(cause);
  }
}
