/**
 * The console's Overview (`GET /admin/overview`): the north star and its trend, events per day,
 * message outcomes by channel and reason, running executions per journey, and the open alerts —
 * stale sources, a growing quarantine, sample-ratio mismatches, model drift, and every journey
 * step that has no approved content (which would otherwise decide `no_approved_variant` silently).
 * Everything is read from counters and keyed items; the one report it needs is passed in.
 */
import type { Overview, OverviewAlert } from '../../api/overview.js';
import type {
  CustomerCounters,
  EventDayCounter,
  ExecutionReader,
  ModelMonitorReader,
  OutcomeCounters,
} from '../../ports/activity.js';
import type { VariantCatalogue } from '../../ports/journeys.js';
import type { SourceSeenStore } from '../../ports/privacy.js';
import type { QuarantineStore } from '../../ports/quarantine.js';
import type { SourceStore } from '../../ports/sources.js';
import { RECONCILED } from '../channels/reconcile.js';
import type { JourneyChannel, JourneyDefinition } from '../journeys/definition.js';

const DAY_MS = 86_400_000;
/** `yyyy-mm-dd` of an instant, in UTC (the counters' day). */
export const dayOf = (at: Date | string) => new Date(at).toISOString().slice(0, 10);

/** The `n` days ending with `today`, oldest first. */
export function lastDays(today: Date, n: number): string[] {
  const end = Date.parse(`${dayOf(today)}T00:00:00.000Z`);
  return Array.from({ length: n }, (_, i) => dayOf(new Date(end - (n - 1 - i) * DAY_MS)));
}

/** A message step of a journey: where it sends, and the content intent it needs approved. */
export interface MessageStep {
  readonly journey: string;
  readonly step: string;
  readonly channel: JourneyChannel;
  readonly intent: string;
}

/**
 * Every step that needs approved content: sends by intent, and each acting candidate of a decide
 * step. A send of a decision's variant is covered by its decide step; a campaign's message names its
 * intent at launch, so it is checked there.
 */
export function messageSteps(journeys: readonly JourneyDefinition[]): MessageStep[] {
  const out: MessageStep[] = [];
  for (const j of journeys) {
    for (const s of j.steps) {
      if (s.type === 'send' && 'intent' in s.content && s.channel) {
        out.push({ journey: j.id, step: s.id, channel: s.channel, intent: s.content.intent });
      } else if (s.type === 'decide') {
        for (const c of s.candidates) {
          if (c.kind !== 'nothing' && c.intent && c.channel)
            out.push({ journey: j.id, step: s.id, channel: c.channel, intent: c.intent });
        }
      }
    }
  }
  return out;
}

/** Steps without an approved variant, the way decide looks them up. */
export async function stepsWithoutContent(
  variants: VariantCatalogue,
  journeys: readonly JourneyDefinition[],
): Promise<MessageStep[]> {
  const steps = messageSteps(journeys);
  const found = await Promise.all(steps.map((s) => variants.approvedVariants(s)));
  return steps.filter((_, i) => (found[i] ?? []).length === 0);
}

/**
 * The north star's value at the end of each day: today's totals minus what later days added (the
 * daily increments), so a trend needs only the last `days` counters.
 */
export function repeatRateTrend(
  totals: { customers: number; repeatCustomers: number },
  daily: Readonly<Record<string, { customers: number; repeatCustomers: number }>>,
  days: readonly string[],
): { day: string; value: number }[] {
  let customers = totals.customers;
  let repeat = totals.repeatCustomers;
  const out: { day: string; value: number }[] = [];
  for (const day of [...days].reverse()) {
    out.push({ day, value: customers > 0 ? repeat / customers : 0 });
    customers -= daily[day]?.customers ?? 0;
    repeat -= daily[day]?.repeatCustomers ?? 0;
  }
  return out.reverse();
}

/** What the report contributes (measurement's `buildReport`, computed by the caller). */
export interface ReportFigures {
  readonly northStar: { readonly metric: string; readonly value: number; readonly detail: string };
  readonly journeys: readonly {
    readonly journey: string;
    readonly name: string;
    readonly srm?: { readonly mismatch: boolean; readonly pValue?: number } | undefined;
  }[];
}

export interface OverviewDeps {
  readonly journeys: readonly JourneyDefinition[];
  readonly report: () => Promise<ReportFigures>;
  readonly customers: CustomerCounters;
  readonly events: Pick<EventDayCounter, 'counts'>;
  readonly outcomes: OutcomeCounters;
  readonly executions: Pick<ExecutionReader, 'countRunning'>;
  readonly variants: VariantCatalogue;
  readonly models: ModelMonitorReader;
  readonly sources: Pick<SourceStore, 'list'>;
  readonly sourceSeen: Pick<SourceSeenStore, 'lastSeen'>;
  readonly quarantine: Pick<QuarantineStore, 'list'>;
  readonly staleAfterMinutes: number;
  readonly now: () => Date;
  /** Running executions counted per journey before "more than" (default 1,000: one page). */
  readonly runningCap?: number;
}

const MONITORED_MODELS = ['propensity'] as const;
/** Quarantined messages counted for the growth alert (one page, newest first). */
const QUARANTINE_PAGE = 100;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The overview; the reads run in parallel. */
export async function overview(deps: OverviewDeps): Promise<Overview> {
  const now = deps.now();
  const days30 = lastDays(now, 30);
  const days7 = days30.slice(-7);
  const [report, totals, daily, events, outcomes, running, missing, evaluations, sources, seen, quarantined] =
    await Promise.all([
      deps.report(),
      deps.customers.totals(),
      deps.customers.daily(days30[0]!, days30.at(-1)!),
      deps.events.counts(days30[0]!, days30.at(-1)!),
      deps.outcomes.counts(days7[0]!, days7.at(-1)!),
      Promise.all(deps.journeys.map((j) => deps.executions.countRunning(j.id, deps.runningCap ?? 1000))),
      stepsWithoutContent(deps.variants, deps.journeys),
      Promise.all(MONITORED_MODELS.map((m) => deps.models.latest(m))),
      deps.sources.list(),
      deps.sourceSeen.lastSeen(),
      deps.quarantine.list({ limit: QUARANTINE_PAGE }),
    ]);

  const sentByChannel: Record<string, number> = {};
  const skippedByReason: Record<string, number> = {};
  const failedByReason: Record<string, number> = {};
  const reconciled = { resent: 0, unknown: 0 };
  for (const c of outcomes) {
    if (c.reason === RECONCILED.resent) reconciled.resent += c.count;
    if (c.reason === RECONCILED.unknown) reconciled.unknown += c.count;
    if (c.status === 'sent') sentByChannel[c.channel] = (sentByChannel[c.channel] ?? 0) + c.count;
    const into =
      c.status === 'skipped' ? skippedByReason : c.status === 'failed' ? failedByReason : undefined;
    if (into) into[c.reason ?? 'unknown'] = (into[c.reason ?? 'unknown'] ?? 0) + c.count;
  }

  const alerts: OverviewAlert[] = [];
  const nameOf = new Map(deps.journeys.map((j) => [j.id, j.name ?? j.id]));
  for (const s of missing) {
    alerts.push({
      kind: 'missing_content',
      severity: 'critical',
      message: `${nameOf.get(s.journey) ?? s.journey} › ${s.step}: no approved ${s.channel} content for “${s.intent}” — the step decides no_approved_variant and sends nothing`,
      page: 'content',
      href: `/content?intent=${encodeURIComponent(s.intent)}&channel=${s.channel}`,
      journey: s.journey,
      step: s.step,
    });
  }
  for (const j of report.journeys) {
    if (!j.srm?.mismatch) continue;
    alerts.push({
      kind: 'sample_ratio_mismatch',
      severity: 'critical',
      message: `${j.name}: the arms' sizes do not match the configured split (sample-ratio mismatch) — check assignment before reading its results`,
      page: 'experiments',
      href: `/experiments/${encodeURIComponent(j.journey)}`,
      journey: j.journey,
    });
  }
  for (const e of evaluations) {
    if (!e?.drift) continue;
    alerts.push({
      kind: 'model_drift',
      severity: 'warning',
      message: `The ${e.model} model${e.version ? ` (${e.version})` : ''} drifted on ${e.day}: ${e.reasons.join('; ') || 'realised metrics fell'}`,
      page: 'models',
      href: `/models/${encodeURIComponent(e.model)}`,
    });
  }
  const staleMs = deps.staleAfterMinutes * 60_000;
  for (const s of sources) {
    if (s.status !== 'active') continue;
    const last = seen[s.sourceId];
    if (last && now.getTime() - Date.parse(last) <= staleMs) continue;
    alerts.push({
      kind: 'stale_source',
      severity: 'warning',
      message: last
        ? `Source ${s.name} has sent nothing since ${last}`
        : `Source ${s.name} has never sent an event`,
      page: 'data-quality',
      href: '/data-quality',
    });
  }
  const dayAgo = now.getTime() - DAY_MS;
  const recent = quarantined.items.filter((i) => Date.parse(i.receivedAt) >= dayAgo).length;
  if (recent > 0) {
    const more = recent === QUARANTINE_PAGE && quarantined.cursor ? '+' : '';
    alerts.push({
      kind: 'quarantine_growth',
      severity: 'warning',
      message: `${plural(recent, 'message')}${more} quarantined in the last 24 hours`,
      page: 'data-quality',
      href: '/data-quality',
    });
  }

  return {
    generatedAt: now.toISOString(),
    northStar: {
      ...report.northStar,
      trend:
        report.northStar.metric === 'repeatPurchaseRate'
          ? repeatRateTrend(totals, daily, days30)
          : [{ day: days30.at(-1)!, value: report.northStar.value }],
    },
    eventsPerDay: days30.map((day) => ({ day, count: events[day] ?? 0 })),
    messages: { days: days7.length, sentByChannel, skippedByReason, failedByReason, reconciled },
    journeys: deps.journeys.map((j, i) => ({
      journey: j.id,
      name: j.name ?? j.id,
      running: running[i]?.count ?? 0,
      capped: running[i]?.capped ?? false,
    })),
    alerts,
  };
}
