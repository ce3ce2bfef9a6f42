/**
 * Configuration of privacy operations and the data-quality report. The lead composes `PrivacyConfig`
 * into FeltfitConfig; the admin function receives it as JSON in `PRIVACY_CONFIG` (absent → defaults).
 */
import * as z from 'zod';

export const PrivacyConfig = z.object({
  quality: z
    .object({
      /** A source whose last event is older than this is reported `stale`. */
      staleAfterMinutes: z
        .number()
        .int()
        .min(1)
        .max(60 * 24 * 30)
        .default(60),
      /** Most profile-table items one report scans; beyond it the completeness counts are partial. */
      profileScanLimit: z.number().int().min(100).max(10_000_000).default(100_000),
    })
    .default({ staleAfterMinutes: 60, profileScanLimit: 100_000 }),
  /** Largest export the admin API returns (Lambda's response limit is 6 MB); the CLI has no limit. */
  maxExportBytes: z
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(5 * 1024 * 1024),
});
export type PrivacyConfig = z.infer<typeof PrivacyConfig>;

/** The defaults `npm start` and a first deploy run on. */
export const defaultPrivacyConfig: PrivacyConfig = PrivacyConfig.parse({});

/** Parses `PRIVACY_CONFIG` (JSON; absent → defaults), failing fast with the variable's name. */
export function parsePrivacyConfig(json: string | undefined, variable = 'PRIVACY_CONFIG'): PrivacyConfig {
  if (json === undefined || json.trim() === '') return defaultPrivacyConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new Error(`invalid environment: ${variable} is not JSON`, { cause });
  }
  const parsed = PrivacyConfig.safeParse(raw);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(`invalid environment: ${variable} (${paths})`);
  }
  return parsed.data;
}
