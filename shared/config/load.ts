import { readFileSync } from 'node:fs';
import { defaultConfig } from './defaults.js';
import { FeltfitConfig } from './schema.js';

/** Raised when a configuration file does not match the schema; names every offending path. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (Array.isArray(override) || typeof override !== 'object' || override === null) return override;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(out[k], v);
  return out;
}

/** Loads the defaults, overlaid by a JSON file when a path is given, and validates the result. */
export function loadConfig(path?: string): FeltfitConfig {
  if (!path) return defaultConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`cannot read configuration file ${path}`, { cause });
  }
  const parsed = FeltfitConfig.safeParse(deepMerge(defaultConfig, raw));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration in ${path}:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}
