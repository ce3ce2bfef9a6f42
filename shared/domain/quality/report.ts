/**
 * The data-quality report: freshness per source, profile completeness, duplicates removed by identity
 * resolution, quarantined input by reason and undeclared traits dropped. Shared by `GET /admin/quality`
 * and `feltfit quality`. How each figure is computed: docs/privacy.md.
 */
import type { PrivacyConfig } from '../../config/privacy.js';
import type { ProfileStats, ProfileStatsReader, SourceSeenStore } from '../../ports/privacy.js';
import type { ProfileStore } from '../../ports/profiles.js';
import type { QuarantineStore } from '../../ports/quarantine.js';
import type { SourceStore } from '../../ports/sources.js';

/** Freshness of one source. */
export interface SourceFreshness {
  readonly sourceId: string;
  /** Name from the source directory; undefined for a sourceId no longer listed. */
  readonly name?: string;
  readonly status?: 'active' | 'revoked';
  /** Last receipt time of a stored event (precise to the ingest throttle), null when never seen. */
  readonly lastReceivedAt: string | null;
  readonly ageSeconds: number | null;
  /** An active source with no event within `staleAfterMinutes` (or none ever). */
  readonly stale: boolean;
}

export interface QualityReport {
  readonly generatedAt: string;
  readonly freshness: { readonly staleAfterMinutes: number; readonly sources: readonly SourceFreshness[] };
  readonly completeness: Omit<ProfileStats, 'mergedProfiles' | 'refusedMerges'>;
  readonly duplicates: { readonly merged: number; readonly refused: number };
  readonly quarantine: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
  readonly droppedTraits: { readonly total: number; readonly byName: Readonly<Record<string, number>> };
}

export interface QualityDeps {
  readonly sources: Pick<SourceStore, 'list'>;
  readonly sourceSeen: Pick<SourceSeenStore, 'lastSeen'>;
  readonly profileStats: ProfileStatsReader;
  readonly quarantine: Pick<QuarantineStore, 'countsByReason'>;
  readonly droppedTraits: Pick<ProfileStore, 'droppedTraitCounts'>;
  readonly config: Pick<PrivacyConfig, 'quality'>;
  readonly now: () => Date;
}

const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);
const sortedRecord = (r: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Builds the report; the five reads run in parallel. */
export async function qualityReport(deps: QualityDeps): Promise<QualityReport> {
  const now = deps.now();
  const { staleAfterMinutes, profileScanLimit } = deps.config.quality;
  const [sources, seen, stats, byReason, byName] = await Promise.all([
    deps.sources.list(),
    deps.sourceSeen.lastSeen(),
    deps.profileStats.profileStats({ maxScannedItems: profileScanLimit }),
    deps.quarantine.countsByReason(),
    deps.droppedTraits.droppedTraitCounts(),
  ]);
  const staleMs = staleAfterMinutes * 60_000;
  const freshnessOf = (
    sourceId: string,
    meta?: { name: string; status: 'active' | 'revoked' },
  ): SourceFreshness => {
    const last = seen[sourceId];
    const age =
      last === undefined ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(last)) / 1000));
    return {
      sourceId,
      ...(meta ? { name: meta.name, status: meta.status } : {}),
      lastReceivedAt: last ?? null,
      ageSeconds: age,
      stale: meta?.status !== 'revoked' && (age === null || age * 1000 > staleMs),
    };
  };
  const listed = new Set(sources.map((s) => s.sourceId));
  const freshness = [
    ...sources.map((s) => freshnessOf(s.sourceId, s)),
    ...Object.keys(seen)
      .filter((id) => !listed.has(id))
      .map((id) => freshnessOf(id)),
  ].sort((a, b) => (a.name ?? a.sourceId).localeCompare(b.name ?? b.sourceId));
  const { mergedProfiles, refusedMerges, ...completeness } = stats;
  return {
    generatedAt: now.toISOString(),
    freshness: { staleAfterMinutes, sources: freshness },
    completeness,
    duplicates: { merged: mergedProfiles, refused: refusedMerges },
    quarantine: { total: sum(byReason), byReason: sortedRecord(byReason) },
    droppedTraits: { total: sum(byName), byName: sortedRecord(byName) },
  };
}

/** The report as aligned text for the CLI. */
export function formatQualityReport(r: QualityReport): string {
  const lines: string[] = [
    `data quality at ${r.generatedAt}`,
    '',
    `freshness (stale after ${r.freshness.staleAfterMinutes} min)`,
  ];
  if (r.freshness.sources.length === 0) lines.push('  no sources');
  for (const s of r.freshness.sources) {
    const label = (s.name ?? `(${s.sourceId})`).padEnd(24);
    const last = s.lastReceivedAt ?? 'never';
    lines.push(
      `  ${label} ${(s.status ?? 'unknown').padEnd(8)} last event ${last}${s.stale ? '  STALE' : ''}`,
    );
  }
  const c = r.completeness;
  const pct = (n: number) => (c.profiles === 0 ? '' : ` (${Math.round((n / c.profiles) * 100)}%)`);
  lines.push(
    '',
    `completeness${c.complete ? '' : ` (partial: scan stopped after ${c.scannedItems} items)`}`,
    `  profiles                 ${c.profiles}`,
    `  with contact address     ${c.withContactAddress}${pct(c.withContactAddress)}`,
    `  with email               ${c.withEmail}${pct(c.withEmail)}`,
    `  with phone               ${c.withPhone}${pct(c.withPhone)}`,
    `  email marketing consent  ${c.emailMarketingConsent}${pct(c.emailMarketingConsent)}`,
    `  sms marketing consent    ${c.smsMarketingConsent}${pct(c.smsMarketingConsent)}`,
    '',
    `duplicates removed (merged profiles) ${r.duplicates.merged}; merges refused ${r.duplicates.refused}`,
    '',
    `quarantined messages ${r.quarantine.total}`,
    ...Object.entries(r.quarantine.byReason).map(([k, n]) => `  ${k.padEnd(24)} ${n}`),
    '',
    `undeclared traits dropped ${r.droppedTraits.total}`,
    ...Object.entries(r.droppedTraits.byName).map(([k, n]) => `  ${k.padEnd(24)} ${n}`),
  );
  return `${lines.join('\n')}\n`;
}
