/**
 * Chooses and builds the audience destination adapters from the environment, parsed once at cold
 * start, so the same sync code runs locally and in AWS:
 *   AUDIENCE_DESTINATIONS  JSON settings of the destinations this deployment uses (see the schema);
 *                          a destination without settings has no adapter
 *   AUDIENCE_API_URL       set locally (`npm start`): every adapter talks to the local fake
 *                          (infra/local/audience-platforms.ts), S3 too (path style), with placeholder
 *                          tokens unless AUDIENCE_<DESTINATION>_CREDENTIALS says otherwise
 *   AUDIENCE_<DESTINATION>_SECRET_ARN / _CREDENTIALS  the credentials (credentials.ts)
 */
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import type { AudienceDestination } from '../../domain/audiences/normalize.js';
import type { AudienceDestinationPort } from '../../ports/audiences.js';
import { SecretCredentials } from './credentials.js';
import { GoogleDestination } from './google.js';
import type { StaleMembers } from './http.js';
import { LinkedInDestination } from './linkedin.js';
import { MetaDestination } from './meta.js';
import { S3ExportDestination } from './s3-export.js';
import { TikTokDestination } from './tiktok.js';

const accountId = z.string().regex(/^\d+$/);
const OperatingAccount = z
  .object({ accountType: z.enum(['GOOGLE_ADS', 'DISPLAY_VIDEO_ADVERTISER']), accountId })
  .strict();
const LoginAccount = z
  .object({ accountType: z.enum(['GOOGLE_ADS', 'DISPLAY_VIDEO_PARTNER']), accountId })
  .strict();

/** What each destination needs besides credentials; the list ids come with each audience. */
export const DestinationSettings = z
  .object({
    meta: z.object({ apiVersion: z.string().regex(/^v\d+\.\d+$/) }).strict(),
    google: z
      .object({
        operatingAccount: OperatingAccount,
        loginAccount: LoginAccount.optional(),
        termsAccepted: z.boolean(),
      })
      .strict(),
    tiktok: z.object({ advertiserId: z.string().regex(/^\d+$/) }).strict(),
    linkedin: z.object({ apiVersion: z.string().regex(/^\d{6}$/) }).strict(),
    s3: z.object({ bucket: z.string().min(3) }).strict(),
  })
  .partial()
  .strict();
export type DestinationSettings = z.infer<typeof DestinationSettings>;

/** Raised when AUDIENCE_DESTINATIONS is not valid; names the variable and the setting. */
export class DestinationSettingsError extends Error {
  override readonly name = 'DestinationSettingsError';
}

/** Tokens the local fake accepts (it checks that one is sent, not which). */
const LOCAL_CREDENTIALS = {
  AUDIENCE_META_CREDENTIALS: '{"accessToken":"local"}',
  AUDIENCE_GOOGLE_CREDENTIALS: '{"clientId":"local","clientSecret":"local","refreshToken":"local"}',
  AUDIENCE_TIKTOK_CREDENTIALS: '{"accessToken":"local"}',
  AUDIENCE_LINKEDIN_CREDENTIALS: '{"accessToken":"local"}',
};

/** Parses AUDIENCE_DESTINATIONS; `{}` when unset. */
export function destinationSettings(env: Record<string, string | undefined>): DestinationSettings {
  const text = env.AUDIENCE_DESTINATIONS?.trim();
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DestinationSettingsError(
      'AUDIENCE_DESTINATIONS must be JSON, e.g. {"meta":{"apiVersion":"v25.0"}}',
    );
  }
  const parsed = DestinationSettings.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DestinationSettingsError(`AUDIENCE_DESTINATIONS.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The adapters of the destinations configured, by destination. */
export function audienceDestinations(
  env: Record<string, string | undefined>,
  deps: { readonly stale?: StaleMembers; readonly fetch?: typeof fetch; readonly s3?: S3Client } = {},
): Partial<Record<AudienceDestination, AudienceDestinationPort>> {
  const settings = destinationSettings(env);
  const baseUrl = env.AUDIENCE_API_URL || undefined;
  const credentials = new SecretCredentials(baseUrl ? { ...LOCAL_CREDENTIALS, ...env } : env, deps.fetch);
  const http = {
    ...(baseUrl ? { baseUrl } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.stale ? { stale: deps.stale } : {}),
  };
  const out: Partial<Record<AudienceDestination, AudienceDestinationPort>> = {};
  if (settings.meta) out.meta = new MetaDestination(credentials, { ...http, ...settings.meta });
  if (settings.google) out.google = new GoogleDestination(credentials, { ...http, account: settings.google });
  if (settings.tiktok) out.tiktok = new TikTokDestination(credentials, { ...http, ...settings.tiktok });
  if (settings.linkedin)
    out.linkedin = new LinkedInDestination(credentials, { ...http, ...settings.linkedin });
  if (settings.s3) {
    // Locally the fake takes the place of S3 and checks no signature: placeholder keys serve.
    const local = {
      endpoint: baseUrl,
      forcePathStyle: true,
      region: env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const client = deps.s3 ?? new S3Client(baseUrl ? local : {});
    out.s3 = new S3ExportDestination(client, { bucket: settings.s3.bucket });
  }
  return out;
}
