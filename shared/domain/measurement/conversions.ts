/**
 * Conversions against exposures. An exposure is a journey assignment (every arm: variants, the
 * journey holdout and the global control group — start-journey records them all). A conversion event
 * is credited to every exposure of the person whose window covers it, whatever the arm: that is how
 * treatment is compared with holdout honestly. Separately, last-touch attribution credits the
 * conversion to the latest marketing message whose channel window covers it; exposures are not
 * touches, so a holdout or control member's conversion is never attributed to a message of a journey
 * that did not send them one.
 */
import type { MeasurementConfig } from '../../config/measurement.js';

export type TouchChannel = 'email' | 'sms' | 'push' | 'inApp';

/** A journey assignment as measurement reads it. */
export interface Exposure {
  readonly journey: string;
  readonly executionName: string;
  readonly profileId: string;
  readonly arm: string;
  readonly experiment: string | null;
  /** ISO time of the assignment. */
  readonly at: string;
  /** Fairness cohort recorded with the assignment (declared trait → value). */
  readonly cohort?: Readonly<Record<string, string>>;
}

/** A conversion: a domain event with an id and revenue. */
export interface Conversion {
  readonly profileId: string;
  readonly conversionId: string;
  readonly at: string;
  readonly revenue: number;
}

/** A marketing message the person received. */
export interface Touch {
  readonly messageId: string;
  readonly channel: TouchChannel;
  readonly journey: string;
  readonly step: string;
  readonly executionId: string;
  readonly variantId?: string;
  /** Epoch ms of the send, and of the first click when there was one. */
  readonly sentAt: number;
  readonly clickedAt?: number;
}

const DAY_MS = 86_400_000;

/**
 * The latest instant a time can stand for. Bus events are stamped to the whole second (EventBridge's
 * `time`), exposures and sends to the millisecond: an order at 12:00:00 may have happened at
 * 12:00:00.900, after an exposure at 12:00:00.027, so a whole-second time covers its second.
 */
export function latestInstant(iso: string): number {
  const ms = Date.parse(iso);
  return /:\d\d\.\d+/.test(iso) ? ms : ms + 999;
}

/** Exposures whose conversion window covers the conversion (assigned at or before it). */
export function creditedExposures(
  exposures: readonly Exposure[],
  conversion: Pick<Conversion, 'at'>,
  windowDays: number,
): Exposure[] {
  const at = latestInstant(conversion.at);
  return exposures.filter((e) => {
    const t = Date.parse(e.at);
    return t <= at && at - t <= windowDays * DAY_MS;
  });
}

/**
 * The touch credited with a conversion: the latest message (by its click when clicked within the
 * click window, else by its send within the send window) whose window covers the conversion time.
 * Touches after the conversion never count.
 */
export function lastTouch(
  touches: readonly Touch[],
  conversionAt: string,
  windows: MeasurementConfig['attribution'],
): (Touch & { readonly via: 'click' | 'send'; readonly touchedAt: number }) | undefined {
  const at = latestInstant(conversionAt);
  let best: (Touch & { via: 'click' | 'send'; touchedAt: number }) | undefined;
  for (const t of touches) {
    const w = windows[t.channel];
    const byClick =
      t.clickedAt !== undefined && t.clickedAt <= at && at - t.clickedAt <= w.clickDays * DAY_MS
        ? t.clickedAt
        : undefined;
    const bySend = t.sentAt <= at && at - t.sentAt <= w.sendDays * DAY_MS ? t.sentAt : undefined;
    const touchedAt = byClick ?? bySend;
    if (touchedAt === undefined) continue;
    if (!best || touchedAt > best.touchedAt) {
      best = { ...t, via: byClick !== undefined ? 'click' : 'send', touchedAt };
    }
  }
  return best;
}

/** What crediting one conversion to one exposure changed. */
export type CreditOutcome = 'first' | 'repeat' | 'duplicate';

/** Reads a person's exposures (assignments) since a time. */
export interface ExposureIndex {
  forProfile(profileId: string, since: string): Promise<Exposure[]>;
}

/** Counters and raw records of conversions per exposure; idempotent per (exposure, conversion). */
export interface ConversionLedger {
  credit(
    exposure: Exposure,
    conversion: Conversion,
    amounts: { readonly revenue: number; readonly margin: number },
  ): Promise<CreditOutcome>;
}

/** The marketing messages a person received recently, with clicks. */
export interface TouchSource {
  recent(profileId: string): Promise<Touch[]>;
}

/** Records the attribution of a conversion (to a touch, or to none). */
export interface AttributionLog {
  record(conversion: Conversion, touch: ReturnType<typeof lastTouch>): Promise<void>;
}

/** The largest discount an exposure's journey offered the person (0 when none): an incentive cost. */
export interface IncentiveSource {
  discountFor(exposure: Exposure): Promise<number>;
}

export interface RecordConversionDeps {
  readonly exposures: ExposureIndex;
  readonly ledger: ConversionLedger;
  readonly touches: TouchSource;
  readonly attributions: AttributionLog;
  readonly incentives: IncentiveSource;
  readonly config: MeasurementConfig;
  /** The clock that tells history from live conversions (absent: every conversion is recorded). */
  readonly now?: () => Date;
}

export interface ConversionOutcome {
  readonly credited: { readonly journey: string; readonly arm: string; readonly outcome: CreditOutcome }[];
  readonly attributedTo?: { readonly journey: string; readonly step: string; readonly channel: TouchChannel };
  /**
   * History: the conversion happened more than the conversion window ago and nothing covers it (no
   * exposure, no touch). It is not recorded, so an import of past orders leaves no unattributed
   * conversions behind in the attribution report.
   */
  readonly history?: true;
}

/** Credits a conversion to the person's covering exposures and attributes it to the last touch. */
export async function recordConversion(
  deps: RecordConversionDeps,
  conversion: Conversion,
): Promise<ConversionOutcome> {
  const { windowDays, marginRate } = deps.config.conversion;
  const since = new Date(Date.parse(conversion.at) - windowDays * DAY_MS).toISOString();
  const exposures = creditedExposures(
    await deps.exposures.forProfile(conversion.profileId, since),
    conversion,
    windowDays,
  );
  const touch = lastTouch(
    await deps.touches.recent(conversion.profileId),
    conversion.at,
    deps.config.attribution,
  );
  const past = deps.now && Date.parse(conversion.at) < deps.now().getTime() - windowDays * DAY_MS;
  if (past && exposures.length === 0 && !touch) return { credited: [], history: true };
  const credited: ConversionOutcome['credited'][number][] = [];
  for (const exposure of exposures) {
    const discount = await deps.incentives.discountFor(exposure);
    const margin = conversion.revenue * (marginRate - discount);
    const outcome = await deps.ledger.credit(exposure, conversion, { revenue: conversion.revenue, margin });
    credited.push({ journey: exposure.journey, arm: exposure.arm, outcome });
  }
  await deps.attributions.record(conversion, touch);
  return {
    credited,
    ...(touch ? { attributedTo: { journey: touch.journey, step: touch.step, channel: touch.channel } } : {}),
  };
}
