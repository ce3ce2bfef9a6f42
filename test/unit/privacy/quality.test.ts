import { describe, expect, it } from 'vitest';
import { defaultPrivacyConfig, parsePrivacyConfig } from '../../../shared/config/privacy.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import {
  formatQualityReport,
  type QualityDeps,
  qualityReport,
} from '../../../shared/domain/quality/report.js';
import { trackSourceSeen } from '../../../shared/domain/quality/source-seen.js';
import type { EventStore } from '../../../shared/ports/events.js';
import type { ProfileStats } from '../../../shared/ports/privacy.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

const stats: ProfileStats = {
  profiles: 4,
  mergedProfiles: 3,
  refusedMerges: 1,
  withEmail: 2,
  withPhone: 1,
  withContactAddress: 3,
  emailMarketingConsent: 1,
  smsMarketingConsent: 0,
  scannedItems: 40,
  complete: true,
};

function deps(overrides: Partial<QualityDeps> = {}): QualityDeps & { scanLimits: number[] } {
  const scanLimits: number[] = [];
  return {
    scanLimits,
    sources: {
      list: async () => [
        { name: 'web', sourceId: 'src-web', status: 'active', createdAt: '2024-01-01T00:00:00Z' },
        { name: 'app', sourceId: 'src-app', status: 'active', createdAt: '2024-01-01T00:00:00Z' },
        { name: 'old', sourceId: 'src-old', status: 'revoked', createdAt: '2024-01-01T00:00:00Z' },
        { name: 'new', sourceId: 'src-new', status: 'active', createdAt: '2024-05-31T00:00:00Z' },
      ],
    },
    sourceSeen: {
      lastSeen: async () => ({
        'src-web': '2024-06-01T11:59:00.000Z',
        'src-app': '2024-06-01T09:00:00.000Z',
        'src-old': '2024-01-02T00:00:00.000Z',
      }),
    },
    profileStats: {
      profileStats: async ({ maxScannedItems }) => {
        scanLimits.push(maxScannedItems);
        return stats;
      },
    },
    quarantine: { countsByReason: async () => ({ invalid_message: 3, invalid_json: 2 }) },
    droppedTraits: { droppedTraitCounts: async () => ({ ssn: 1, favouriteColour: 4 }) },
    config: defaultPrivacyConfig,
    now: () => NOW,
    ...overrides,
  };
}

describe('the data-quality report', () => {
  it('reports freshness per source and flags active sources with no recent event as stale', async () => {
    const report = await qualityReport(deps());
    expect(report.freshness.staleAfterMinutes).toBe(60);
    expect(report.freshness.sources).toEqual([
      {
        sourceId: 'src-app',
        name: 'app',
        status: 'active',
        lastReceivedAt: '2024-06-01T09:00:00.000Z',
        ageSeconds: 10_800,
        stale: true,
      },
      {
        sourceId: 'src-new',
        name: 'new',
        status: 'active',
        lastReceivedAt: null,
        ageSeconds: null,
        stale: true,
      },
      {
        sourceId: 'src-old',
        name: 'old',
        status: 'revoked',
        lastReceivedAt: '2024-01-02T00:00:00.000Z',
        ageSeconds: expect.any(Number),
        stale: false,
      },
      {
        sourceId: 'src-web',
        name: 'web',
        status: 'active',
        lastReceivedAt: '2024-06-01T11:59:00.000Z',
        ageSeconds: 60,
        stale: false,
      },
    ]);
  });

  it('totals quarantine reasons and dropped traits, and reports merges as duplicates removed', async () => {
    const report = await qualityReport(deps());
    expect(report.quarantine).toEqual({ total: 5, byReason: { invalid_json: 2, invalid_message: 3 } });
    expect(report.droppedTraits).toEqual({ total: 5, byName: { favouriteColour: 4, ssn: 1 } });
    expect(report.duplicates).toEqual({ merged: 3, refused: 1 });
    expect(report.completeness).toEqual({
      profiles: 4,
      withEmail: 2,
      withPhone: 1,
      withContactAddress: 3,
      emailMarketingConsent: 1,
      smsMarketingConsent: 0,
      scannedItems: 40,
      complete: true,
    });
  });

  it('caps the profile scan at the configured limit and uses the configured staleness', async () => {
    const config = parsePrivacyConfig(
      JSON.stringify({ quality: { staleAfterMinutes: 300, profileScanLimit: 500 } }),
    );
    const d = deps({ config });
    const report = await qualityReport(d);
    expect(d.scanLimits).toEqual([500]);
    expect(report.freshness.sources.find((s) => s.name === 'app')?.stale).toBe(false);
  });

  it('lists a source seen but no longer in the directory by its id', async () => {
    const report = await qualityReport(
      deps({ sourceSeen: { lastSeen: async () => ({ 'src-gone': '2024-06-01T11:00:00.000Z' }) } }),
    );
    expect(report.freshness.sources).toContainEqual(
      expect.objectContaining({
        sourceId: 'src-gone',
        lastReceivedAt: '2024-06-01T11:00:00.000Z',
        stale: false,
      }),
    );
    expect(report.freshness.sources.find((s) => s.sourceId === 'src-gone')).not.toHaveProperty('name');
  });

  it('prints as text with percentages and a partial-scan warning', async () => {
    const text = formatQualityReport(
      await qualityReport(
        deps({
          profileStats: { profileStats: async () => ({ ...stats, complete: false, scannedItems: 100 }) },
        }),
      ),
    );
    expect(text).toContain('partial: scan stopped after 100 items');
    expect(text).toContain('with contact address     3 (75%)');
    expect(text).toMatch(/app\s+active\s+last event 2024-06-01T09:00:00.000Z\s+STALE/);
    expect(text).toContain('duplicates removed (merged profiles) 3');
  });

  it('fails fast naming the variable for invalid configuration', () => {
    expect(() => parsePrivacyConfig('{"quality":{"staleAfterMinutes":0}}')).toThrow(
      'invalid environment: PRIVACY_CONFIG (quality.staleAfterMinutes)',
    );
    expect(() => parsePrivacyConfig('nope')).toThrow('PRIVACY_CONFIG is not JSON');
  });
});

function message(sourceId: string, receivedAt: string): NormalisedMessage {
  return {
    messageId: `m-${receivedAt}`,
    type: 'track',
    event: 'x',
    userId: 'u',
    timestamp: receivedAt,
    receivedAt,
    sourceId,
  } as NormalisedMessage;
}

function fakeEvents(): EventStore & { stored: number } {
  const store = {
    stored: 0,
    putEvents: async (batch: readonly NormalisedMessage[]) => {
      store.stored += batch.length;
      return { stored: batch.length };
    },
    listByPerson: async () => ({ events: [] }),
  };
  return store;
}

describe('source freshness tracking at ingest', () => {
  it('marks each source with its latest receipt time, at most once per interval', async () => {
    const marks: [string, string][] = [];
    let clock = 0;
    const events = trackSourceSeen(
      fakeEvents(),
      { markSeen: async (id, at) => void marks.push([id, at]) },
      { intervalMs: 60_000, now: () => clock },
    );
    await events.putEvents([
      message('web', '2024-06-01T10:00:02Z'),
      message('web', '2024-06-01T10:00:05Z'),
      message('app', '2024-06-01T10:00:01Z'),
    ]);
    clock = 30_000;
    await events.putEvents([message('web', '2024-06-01T10:00:30Z')]);
    clock = 61_000;
    await events.putEvents([message('web', '2024-06-01T10:01:01Z')]);
    expect(marks).toEqual([
      ['web', '2024-06-01T10:00:05Z'],
      ['app', '2024-06-01T10:00:01Z'],
      ['web', '2024-06-01T10:01:01Z'],
    ]);
  });

  it('still stores the events when the mark fails, and retries the mark on the next batch', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const marks: string[] = [];
    const inner = fakeEvents();
    const events = trackSourceSeen(
      inner,
      {
        markSeen: async (_id, at) => {
          if (fail) throw new Error('throttled');
          marks.push(at);
        },
      },
      { now: () => 0, onError: (e) => errors.push(e) },
    );
    await expect(events.putEvents([message('web', '2024-06-01T10:00:00Z')])).resolves.toEqual({ stored: 1 });
    fail = false;
    await events.putEvents([message('web', '2024-06-01T10:00:09Z')]);
    expect(inner.stored).toBe(2);
    expect(errors).toHaveLength(1);
    expect(marks).toEqual(['2024-06-01T10:00:09Z']);
  });

  it('marks nothing when storing fails', async () => {
    const marks: string[] = [];
    const events = trackSourceSeen(
      { ...fakeEvents(), putEvents: async () => Promise.reject(new Error('down')) },
      { markSeen: async (id) => void marks.push(id) },
    );
    await expect(events.putEvents([message('web', '2024-06-01T10:00:00Z')])).rejects.toThrow('down');
    expect(marks).toEqual([]);
  });
});
