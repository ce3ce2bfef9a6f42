/**
 * Purchase propensity: P(a profile purchases in the N days after a cutoff), from behavioural
 * features computed strictly before the cutoff. Trained on one cutoff, evaluated on a later one
 * (time-based split, so no future information leaks into training).
 */
import { compileLogistic, fitLogistic, type LogisticModel, type LogisticOptions } from './logistic.js';
import { expectedCalibrationError, precisionRecallAtTop, rocAuc } from './metrics.js';

export type BehaviourEventType =
  | 'view'
  | 'add_to_cart'
  | 'purchase'
  | 'email_sent'
  | 'email_open'
  | 'email_click'
  | 'ticket_opened'
  | 'ticket_closed';

/** One behavioural event; `at` is epoch milliseconds, `value` the money amount for carts and purchases. */
export interface BehaviourEvent {
  profileId: string;
  type: BehaviourEventType;
  at: number;
  value?: number;
}

/** Feature names in model column order. Counts and money are log1p-transformed. */
export const PROPENSITY_FEATURES = [
  'log_recency_days',
  'log_frequency_365d',
  'log_monetary_avg',
  'log_cart_value',
  'log_cart_recency_days',
  'log_views_7d',
  'log_views_30d',
  'open_tickets',
  'email_engagement_30d',
] as const;

const DAY = 86_400_000;
const RECENCY_CAP_DAYS = 365;
const CART_RECENCY_CAP_DAYS = 90;

/** Groups events by profile, each list sorted by time. */
export function indexEvents(events: readonly BehaviourEvent[]): Map<string, BehaviourEvent[]> {
  const out = new Map<string, BehaviourEvent[]>();
  for (const e of events) {
    let list = out.get(e.profileId);
    if (!list) {
      list = [];
      out.set(e.profileId, list);
    }
    list.push(e);
  }
  for (const list of out.values()) list.sort((p, q) => p.at - q.at);
  return out;
}

/**
 * Feature vector as of `cutoff` (events with at < cutoff only), in PROPENSITY_FEATURES order.
 * Email engagement is a smoothed rate (opens + 2·clicks + 1) / (sends + 2) over 30 days, so profiles
 * with few sends sit near the neutral ½ rather than at 0 or 1.
 */
export function propensityFeatures(events: readonly BehaviourEvent[], cutoff: number): Float64Array {
  let lastPurchase = Number.NEGATIVE_INFINITY;
  let purchases365 = 0;
  let spend = 0;
  let purchases = 0;
  let cartValue = 0;
  let lastCart = Number.NEGATIVE_INFINITY;
  let views7 = 0;
  let views30 = 0;
  let tickets = 0;
  let sends = 0;
  let opens = 0;
  let clicks = 0;
  for (const e of events) {
    if (e.at >= cutoff) break;
    const age = cutoff - e.at;
    switch (e.type) {
      case 'purchase':
        lastPurchase = e.at;
        purchases++;
        spend += e.value ?? 0;
        if (age <= 365 * DAY) purchases365++;
        cartValue = 0; // a purchase empties the cart
        break;
      case 'add_to_cart':
        cartValue += e.value ?? 0;
        lastCart = e.at;
        break;
      case 'view':
        if (age <= 7 * DAY) views7++;
        if (age <= 30 * DAY) views30++;
        break;
      case 'ticket_opened':
        tickets++;
        break;
      case 'ticket_closed':
        tickets = Math.max(0, tickets - 1);
        break;
      case 'email_sent':
        if (age <= 30 * DAY) sends++;
        break;
      case 'email_open':
        if (age <= 30 * DAY) opens++;
        break;
      case 'email_click':
        if (age <= 30 * DAY) clicks++;
        break;
    }
  }
  const recency = Math.min(RECENCY_CAP_DAYS, (cutoff - lastPurchase) / DAY);
  const cartRecency =
    cartValue > 0 ? Math.min(CART_RECENCY_CAP_DAYS, (cutoff - lastCart) / DAY) : CART_RECENCY_CAP_DAYS;
  return Float64Array.of(
    Math.log1p(recency),
    Math.log1p(purchases365),
    Math.log1p(purchases > 0 ? spend / purchases : 0),
    Math.log1p(cartValue),
    Math.log1p(cartRecency),
    Math.log1p(views7),
    Math.log1p(views30),
    tickets,
    (opens + 2 * clicks + 1) / (sends + 2),
  );
}

/** True when the profile purchases in [cutoff, cutoff + days). */
export function purchasedWithin(events: readonly BehaviourEvent[], cutoff: number, days: number): boolean {
  const end = cutoff + days * DAY;
  return events.some((e) => e.type === 'purchase' && e.at >= cutoff && e.at < end);
}

export interface PropensityDataset {
  profileIds: string[];
  X: Float64Array[];
  y: boolean[];
}

/** Features as of `cutoff` and labels for the following `horizonDays`, for every profile with any event before the cutoff. */
export function buildPropensityDataset(
  byProfile: ReadonlyMap<string, readonly BehaviourEvent[]>,
  cutoff: number,
  horizonDays: number,
): PropensityDataset {
  const data: PropensityDataset = { profileIds: [], X: [], y: [] };
  for (const [id, events] of byProfile) {
    if (!(events.length > 0 && events[0]!.at < cutoff)) continue;
    data.profileIds.push(id);
    data.X.push(propensityFeatures(events, cutoff));
    data.y.push(purchasedWithin(events, cutoff, horizonDays));
  }
  return data;
}

export interface ClassifierMetrics {
  auc: number;
  precisionAtTopDecile: number;
  recallAtTopDecile: number;
  expectedCalibrationError: number;
  baseRate: number;
  n: number;
}

/** AUC, precision/recall at the top decile and 10-bin ECE of `probabilities` against `labels`. */
export function evaluateClassifier(
  probabilities: ArrayLike<number>,
  labels: readonly boolean[],
): ClassifierMetrics {
  const top = precisionRecallAtTop(probabilities, labels, 0.1);
  return {
    auc: rocAuc(probabilities, labels),
    precisionAtTopDecile: top.precision,
    recallAtTopDecile: top.recall,
    expectedCalibrationError: expectedCalibrationError(probabilities, labels, 10),
    baseRate: labels.filter(Boolean).length / Math.max(1, labels.length),
    n: labels.length,
  };
}

export interface PropensityExperiment {
  model: LogisticModel;
  train: ClassifierMetrics;
  test: ClassifierMetrics;
  /** The same metrics for a recency-only baseline (logistic regression on log recency alone). */
  recencyBaseline: ClassifierMetrics;
}

/**
 * Time-based experiment: fit on features at `trainCutoff` with labels in the next `horizonDays`, then
 * score features at `testCutoff` (≥ trainCutoff + horizonDays, so the windows do not overlap).
 */
export function runPropensityExperiment(
  events: readonly BehaviourEvent[],
  trainCutoff: number,
  testCutoff: number,
  horizonDays: number,
  options: LogisticOptions = {},
): PropensityExperiment {
  if (testCutoff < trainCutoff + horizonDays * DAY) {
    throw new RangeError(
      'testCutoff must be at least horizonDays after trainCutoff (label windows would overlap)',
    );
  }
  const byProfile = indexEvents(events);
  const train = buildPropensityDataset(byProfile, trainCutoff, horizonDays);
  const test = buildPropensityDataset(byProfile, testCutoff, horizonDays);
  const model = fitLogistic([...PROPENSITY_FEATURES], train.X, train.y, options);
  const score = compileLogistic(model);
  const recencyModel = fitLogistic(
    ['log_recency_days'],
    train.X.map((r) => [r[0]!]),
    train.y,
    options,
  );
  const recencyScore = compileLogistic(recencyModel);
  return {
    model,
    train: evaluateClassifier(train.X.map(score), train.y),
    test: evaluateClassifier(test.X.map(score), test.y),
    recencyBaseline: evaluateClassifier(
      test.X.map((r) => recencyScore([r[0]!])),
      test.y,
    ),
  };
}
