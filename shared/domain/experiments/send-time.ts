/**
 * The send-time optimisation holdout: how much does sending at each person's best hour add over one
 * fixed hour? A stable share of people (by a hash of the profile, its own salt) have their
 * best-send-time waits end at the fixed hour instead. Each such wait of a person with a best-hour
 * score is recorded as an exposure of the `send-time` experiment, arm `optimised` or `holdout`, so
 * conversions are credited to both arms like any journey's and the report compares them (the
 * "send-time optimisation gain" KPI). A person without a best hour waits for the default hour either
 * way and is not an exposure: there is nothing to compare.
 */
import { unitInterval } from './assignment.js';

/** The experiment's id in assignments and the report (reads as a journey id). */
export const SEND_TIME_EXPERIMENT = 'send-time';

export interface SendTimeHoldout {
  /** Share of people whose best-send-time waits use `fixedHour` (0 turns the holdout off). */
  readonly holdoutShare: number;
  /** The local hour the holdout is sent at: the hour a marketer would otherwise have picked. */
  readonly fixedHour: number;
  readonly salt: string;
}

export type SendTimeArm = 'optimised' | 'holdout';

/** The person's arm: holdout for a hash position below the share, else optimised. */
export function sendTimeArm(config: SendTimeHoldout, profileId: string): SendTimeArm {
  return unitInterval(config.salt, profileId) < config.holdoutShare ? 'holdout' : 'optimised';
}
