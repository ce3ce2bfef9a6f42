/** In-memory fakes of the campaigns ports. */
import { defaultChannelsConfig } from '../../../shared/config/channels.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import type { AudienceStore, SavedAudience } from '../../../shared/domain/campaigns/audiences.js';
import type { EstimateDeps } from '../../../shared/domain/campaigns/estimate.js';
import {
  type ExecutionView,
  RunAlreadyExistsError,
  type RunExecutions,
  type RunRecord,
  type RunStore,
} from '../../../shared/domain/campaigns/runs.js';
import type { AudienceSource } from '../../../shared/domain/journeys/campaign.js';
import type { Recipient, SuppressionEntry } from '../../../shared/ports/channels.js';
import type { ApprovedVariant, DecisionProfile } from '../../../shared/ports/journeys.js';
import { testHasher } from '../../support/hasher.js';

export const NOW = new Date('2026-03-02T12:00:00Z'); // a Monday, noon in Berlin is 13:00

export function person(id: string, overrides: Partial<DecisionProfile> = {}): DecisionProfile {
  return {
    profileId: id,
    traits: { firstName: `F${id}`, plan: 'pro' },
    features: { ordersCount: 1 },
    scores: { propensity30d: 0.5, churnRisk: 0.2 },
    consent: { email: { marketing: true, transactional: true } },
    ...overrides,
  };
}

/** Pages of the given profiles, `pageSize` at most per page. */
export function pagesOf(profiles: DecisionProfile[], reads: { n: number } = { n: 0 }): AudienceSource {
  return {
    page: async (limit, cursor) => {
      reads.n++;
      const from = cursor ? Number(cursor) : 0;
      const page = profiles.slice(from, from + limit);
      const next = from + limit < profiles.length ? String(from + limit) : undefined;
      return { profiles: page, ...(next ? { cursor: next } : {}) };
    },
  };
}

export function memoryAudiences(initial: SavedAudience[] = []): AudienceStore {
  const items = new Map(initial.map((a) => [a.id, a]));
  return {
    list: async () => [...items.values()],
    get: async (id) => items.get(id),
    create: async (a) => {
      if (items.has(a.id)) return false;
      items.set(a.id, a);
      return true;
    },
    delete: async (id) => items.delete(id),
  };
}

export function variants(approved: Record<string, number> = { 'email:bestsellers': 1 }) {
  return {
    approvedVariants: async (q: { channel: string; intent: string }): Promise<ApprovedVariant[]> =>
      Array.from({ length: approved[`${q.channel}:${q.intent}`] ?? 0 }, (_, i) => ({
        variantId: `v${i}`,
        status: 'approved',
        text: 't',
      })),
  };
}

export function memoryRuns(): RunStore & { members_: Map<string, string[]> } {
  const runs = new Map<string, RunRecord>();
  const members_ = new Map<string, string[]>();
  return {
    members_,
    create: async (r) => {
      if (runs.has(r.runId)) return false;
      runs.set(r.runId, r);
      return true;
    },
    get: async (id) => runs.get(id),
    list: async (limit) => [...runs.values()].slice(0, limit),
    members: async (id) => ({ executions: members_.get(id) ?? [], scanned: 10, pages: 1 }),
  };
}

export function fakeExecutions(views: Record<string, ExecutionView> = {}): RunExecutions & {
  started: { name: string; input: unknown }[];
} {
  const started: { name: string; input: unknown }[] = [];
  return {
    started,
    start: async (name, input) => {
      if (started.some((s) => s.name === name)) throw new RunAlreadyExistsError(name);
      started.push({ name, input });
      return `arn:aws:states:eu-west-1:1:execution:feltfit-campaign-run:${name}`;
    },
    describe: async (arn) =>
      views[arn] ?? (arn.includes('feltfit-campaign-run') ? { status: 'RUNNING' } : undefined),
    journeyExecutionArn: (journey, name) => `arn:aws:states:eu-west-1:1:execution:feltfit-${journey}:${name}`,
  };
}

export function estimateDeps(
  profiles: DecisionProfile[],
  recipients: Record<string, Omit<Recipient, 'traits' | 'features'>>,
  extra: Partial<EstimateDeps> & { suppressed?: Record<string, SuppressionEntry[]>; sendsAt?: number[] } = {},
): EstimateDeps {
  return {
    journeys: defaultJourneysConfig.journeys,
    variants: variants(),
    audiences: memoryAudiences(),
    hasher: testHasher,
    now: () => NOW,
    source: pagesOf(profiles),
    recipients: {
      getRecipient: async (id) =>
        recipients[id] ? { traits: {}, features: {}, ...recipients[id] } : undefined,
    },
    suppressions: { find: async (q) => extra.suppressed?.[q.profileId] ?? [] },
    pressure: {
      load: async (profileId) => ({
        version: 1,
        sends:
          profileId === 'capped'
            ? (extra.sendsAt ?? []).map((at, i) => ({ at, messageId: `m${i}`, priority: 0 }))
            : [],
      }),
    },
    channels: defaultChannelsConfig,
    ...extra,
  };
}
