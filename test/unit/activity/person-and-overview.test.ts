/**
 * A person's activity and the overview, over in-memory ports: messages newest first with their
 * reasons, the step each execution is at, assignments, explained scores and the consent history;
 * the overview's counters, the north star's trend, and every alert — above all each journey step
 * that has no approved content.
 */
import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import {
  lastDays,
  messageSteps,
  type OverviewDeps,
  overview,
  repeatRateTrend,
} from '../../../shared/domain/activity/overview.js';
import { personActivity } from '../../../shared/domain/activity/person.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { emptyState } from '../../../shared/domain/profiles/state.js';
import type { StoredProfile } from '../../../shared/ports/profiles.js';

const profile: StoredProfile = {
  profileId: 'p-1',
  version: 3,
  state: emptyState(),
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-02T00:00:00.000Z',
  scores: {
    at: '2026-03-02T03:00:00.000Z',
    values: { churnRisk: 0.72, propensity30d: 0.31 },
    bands: { churnRisk: 'high', propensity30d: 'medium' },
    modelVersions: { clv: 'v4', propensity: 'v2' },
  },
};

const activityDeps = (overrides: Partial<Parameters<typeof personActivity>[0]> = {}) => ({
  directory: {
    getLiveProfile: async (id: string) => (id === 'p-1' ? profile : undefined),
    listProfileItems: async () => [
      { pk: 'PROFILE#p-1', sk: 'PROFILE' },
      {
        pk: 'PROFILE#p-1',
        sk: 'CONSENT#2026-03-02#m2',
        at: '2026-03-02T09:00:00.000Z',
        changes: [{ channel: 'email', purpose: 'marketing', granted: false, source: 'consent_event' }],
      },
      {
        pk: 'PROFILE#p-1',
        sk: 'CONSENT#2026-03-01#m1',
        at: '2026-03-01T09:00:00.000Z',
        changes: [{ channel: 'email', purpose: 'marketing', granted: true, source: 'trait' }],
      },
    ],
  },
  messages: {
    listByPerson: async () => [
      { at: '2026-03-01T10:00:00.000Z', channel: 'email', status: 'sent', journey: 'welcome', step: 'hello' },
      {
        at: '2026-03-02T10:00:00.000Z',
        channel: 'email',
        status: 'skipped',
        reason: 'no_consent',
        journey: 'cart-recovery',
        step: 'reminder',
      },
    ],
  },
  exposures: {
    forProfile: async () => [
      {
        journey: 'cart-recovery',
        executionName: 'cart-recovery-abc',
        profileId: 'p-1',
        arm: 'empathy',
        experiment: 'cart-recovery:split',
        at: '2026-03-02T09:30:00.000Z',
      },
      {
        journey: 'welcome',
        executionName: 'welcome-def',
        profileId: 'p-1',
        arm: 'control',
        experiment: null,
        at: '2026-03-01T08:00:00.000Z',
      },
    ],
  },
  executions: {
    describe: async (journey: string) =>
      journey === 'cart-recovery' ? { status: 'RUNNING', step: 'WaitForCheckout' } : undefined,
  },
  ...overrides,
});

describe("a person's activity", () => {
  it('lists messages newest first, with the skipped one’s reason', async () => {
    const a = await personActivity(activityDeps(), 'p-1');
    expect(a.messages.map((m) => [m.status, m.reason])).toEqual([
      ['skipped', 'no_consent'],
      ['sent', undefined],
    ]);
  });

  it('gives the step a running execution is at, and a control member no execution', async () => {
    const a = await personActivity(activityDeps(), 'p-1');
    expect(a.journeys).toEqual([
      expect.objectContaining({ journey: 'cart-recovery', status: 'running', step: 'WaitForCheckout' }),
      expect.objectContaining({ journey: 'welcome', status: 'not started (control)' }),
    ]);
    expect(a.assignments).toEqual([
      { experiment: 'cart-recovery:split', arm: 'empathy', at: '2026-03-02T09:30:00.000Z' },
      { experiment: 'welcome (global control)', arm: 'control', at: '2026-03-01T08:00:00.000Z' },
    ]);
  });

  it('explains each score with its band and the model version that produced it', async () => {
    const a = await personActivity(activityDeps(), 'p-1');
    expect(a.scores).toEqual([
      expect.objectContaining({
        name: 'churnRisk',
        value: 0.72,
        modelVersion: 'clv@v4',
        explanation: expect.arrayContaining(['high band', 'clv model v4', 'no purchases yet']),
      }),
      expect.objectContaining({ name: 'propensity30d', modelVersion: 'propensity@v2' }),
    ]);
  });

  it('keeps the consent history in time order', async () => {
    const a = await personActivity(activityDeps(), 'p-1');
    expect(a.consentHistory.map((c) => [c.key, c.granted, c.source])).toEqual([
      ['email:marketing', true, 'trait'],
      ['email:marketing', false, 'consent_event'],
    ]);
  });

  it('answers 404 profile_not_found for an unknown person', async () => {
    await expect(personActivity(activityDeps(), 'nobody')).rejects.toBeInstanceOf(NotFoundError);
  });
});

const NOW = new Date('2026-03-10T12:00:00.000Z');
const journeys = defaultJourneysConfig.journeys;

function overviewDeps(overrides: Partial<OverviewDeps> = {}): OverviewDeps {
  return {
    journeys,
    report: async () => ({
      northStar: {
        metric: 'repeatPurchaseRate',
        value: 0.25,
        detail: '5 of 20 customers ordered more than once',
      },
      journeys: [
        { journey: 'cart-recovery', name: 'Cart recovery', srm: { mismatch: true, pValue: 1e-6 } },
        { journey: 'welcome', name: 'Welcome', srm: { mismatch: false } },
      ],
    }),
    customers: {
      totals: async () => ({ customers: 20, repeatCustomers: 5 }),
      daily: async () => ({ '2026-03-10': { customers: 4, repeatCustomers: 3 } }),
    },
    events: { counts: async () => ({ '2026-03-09': 120, '2026-03-10': 30 }) },
    outcomes: {
      counts: async () => [
        { day: '2026-03-10', channel: 'email', status: 'sent', count: 7 },
        { day: '2026-03-09', channel: 'sms', status: 'sent', count: 2 },
        { day: '2026-03-10', channel: 'email', status: 'skipped', reason: 'no_consent', count: 4 },
        { day: '2026-03-10', channel: 'email', status: 'skipped', reason: 'no_approved_variant', count: 9 },
      ],
    },
    executions: { countRunning: async (j) => ({ count: j === 'cart-recovery' ? 3 : 0, capped: false }) },
    // Content approved only for cart recovery's reminder.
    variants: {
      approvedVariants: async (q) =>
        q.journey === 'cart-recovery' && q.step === 'reminder'
          ? [{ variantId: 'v', status: 'approved', text: 'x' }]
          : [],
    },
    models: {
      latest: async () => ({
        model: 'propensity',
        day: '2026-03-10',
        version: 'v2',
        drift: true,
        reasons: ['AUC fell'],
      }),
    },
    sources: {
      list: async () => [
        { name: 'web', sourceId: 'web', status: 'active', createdAt: '2026-01-01T00:00:00.000Z' },
        { name: 'old', sourceId: 'old', status: 'revoked', createdAt: '2026-01-01T00:00:00.000Z' },
      ],
    },
    sourceSeen: { lastSeen: async () => ({ web: '2026-03-10T08:00:00.000Z' }) },
    quarantine: {
      list: async () => ({
        items: [
          {
            id: 'q',
            reason: 'invalid_message',
            receivedAt: '2026-03-10T11:00:00.000Z',
            size: 1,
            sha256: '',
            excerpt: '',
          },
        ],
      }),
    },
    staleAfterMinutes: 60,
    now: () => NOW,
    ...overrides,
  };
}

describe('the overview', () => {
  it('shows 30 days of events, zeros included, and the last week of outcomes by channel and reason', async () => {
    const o = await overview(overviewDeps());
    expect(o.eventsPerDay).toHaveLength(30);
    expect(o.eventsPerDay.at(-1)).toEqual({ day: '2026-03-10', count: 30 });
    expect(o.eventsPerDay[0]).toEqual({ day: '2026-02-09', count: 0 });
    expect(o.messages.sentByChannel).toEqual({ email: 7, sms: 2 });
    expect(o.messages.skippedByReason).toEqual({ no_consent: 4, no_approved_variant: 9 });
  });

  it('shows sends reconciled after an unknown outcome: re-sent, and not sent again', async () => {
    const o = await overview(
      overviewDeps({
        outcomes: {
          counts: async () => [
            { day: '2026-03-10', channel: 'email', status: 'sent', count: 5 },
            { day: '2026-03-10', channel: 'email', status: 'sent', reason: 'reconciled_resent', count: 2 },
            { day: '2026-03-09', channel: 'sms', status: 'sent', reason: 'reconciled_resent', count: 1 },
            { day: '2026-03-10', channel: 'email', status: 'failed', reason: 'reconciled_unknown', count: 3 },
          ],
        },
      }),
    );
    expect(o.messages.reconciled).toEqual({ resent: 3, unknown: 3 });
    // A re-send is a sent message; an unknown one is a failure with its reason.
    expect(o.messages.sentByChannel).toEqual({ email: 7, sms: 1 });
    expect(o.messages.failedByReason).toEqual({ reconciled_unknown: 3 });
  });

  it('counts running executions per journey', async () => {
    const o = await overview(overviewDeps());
    expect(o.journeys.find((j) => j.journey === 'cart-recovery')).toMatchObject({ running: 3 });
  });

  it('alerts on every journey step without approved content, linking to Content', async () => {
    const o = await overview(overviewDeps());
    const missing = o.alerts.filter((a) => a.kind === 'missing_content');
    const steps = messageSteps(journeys);
    expect(missing).toHaveLength(steps.length - 1);
    expect(missing.some((a) => a.journey === 'cart-recovery' && a.step === 'reminder')).toBe(false);
    expect(missing[0]).toMatchObject({ page: 'content', href: expect.stringMatching(/^\/content\?intent=/) });
  });

  it('alerts on a sample-ratio mismatch, model drift, a stale source and quarantine growth', async () => {
    const o = await overview(overviewDeps());
    const kinds = o.alerts.filter((a) => a.kind !== 'missing_content').map((a) => [a.kind, a.page]);
    expect(kinds).toEqual([
      ['sample_ratio_mismatch', 'experiments'],
      ['model_drift', 'models'],
      ['stale_source', 'data-quality'],
      ['quarantine_growth', 'data-quality'],
    ]);
  });

  it('raises no alert when everything is approved and healthy', async () => {
    const o = await overview(
      overviewDeps({
        report: async () => ({
          northStar: { metric: 'repeatPurchaseRate', value: 0, detail: '' },
          journeys: [],
        }),
        variants: { approvedVariants: async () => [{ variantId: 'v', status: 'approved', text: 'x' }] },
        models: { latest: async () => undefined },
        sourceSeen: { lastSeen: async () => ({ web: '2026-03-10T11:30:00.000Z' }) },
        quarantine: { list: async () => ({ items: [] }) },
      }),
    );
    expect(o.alerts).toEqual([]);
  });

  it('draws the north star at the end of each day from the totals and the daily increments', () => {
    const days = lastDays(NOW, 3);
    expect(days).toEqual(['2026-03-08', '2026-03-09', '2026-03-10']);
    expect(
      repeatRateTrend(
        { customers: 20, repeatCustomers: 5 },
        { '2026-03-10': { customers: 4, repeatCustomers: 3 } },
        days,
      ),
    ).toEqual([
      { day: '2026-03-08', value: 2 / 16 },
      { day: '2026-03-09', value: 2 / 16 },
      { day: '2026-03-10', value: 5 / 20 },
    ]);
  });
});
