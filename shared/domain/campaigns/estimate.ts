/**
 * A campaign's estimate before launch: how many people the audience holds, and how many of them the
 * send path would skip right now and why — no consent for the channel, suppressed, over a
 * contact-pressure cap, in quiet hours, no approved content. The rules are the send function's, in its
 * order (shared/domain/channels/send.ts), using its pure pieces (evaluateCaps, the quiet-hours window);
 * the audience is evaluated with the campaign run's own `inAudience`.
 */
import type { ChannelsConfig } from '../../config/channels.js';
import type { PressureStore, RecipientSource, SuppressionList } from '../../ports/channels.js';
import type { DecisionProfile } from '../../ports/journeys.js';
import { evaluateCaps } from '../channels/caps.js';
import { addressHashes } from '../channels/hashing.js';
import { isValidTimeZone, weeklyWindow } from '../channels/quiet-hours.js';
import { REASONS, type SkipReason } from '../channels/schemas.js';
import { SUPPRESSION_REASON, suppressionBlocks } from '../channels/suppression.js';
import { checkQuietHoursAtSpeed } from '../channels/time-scale.js';
import { type AudienceSource, inAudience } from '../journeys/campaign.js';
import type { JourneyChannel, JourneyDefinition, JourneyPurpose } from '../journeys/definition.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { type LaunchDeps, type ResolvedLaunch, resolveLaunch } from './launch.js';

export interface EstimateDeps extends LaunchDeps {
  readonly source: AudienceSource;
  readonly recipients: RecipientSource;
  readonly suppressions: Pick<SuppressionList, 'find'>;
  /** Hashes addresses for the suppression lookup, as the send function does. */
  readonly hasher: KeyedHasher;
  readonly pressure: Pick<PressureStore, 'load'>;
  /** The send function's configuration (cap windows already scaled, as send has them). */
  readonly channels: ChannelsConfig;
  /** FELTFIT_TIME_SCALE (local runs only; 1 in AWS). */
  readonly timeScale?: number;
  /** Most profiles scanned (default 5,000) and most members whose guards are checked (default 500). */
  readonly maxProfiles?: number;
  readonly maxChecked?: number;
}

/** One send of the run, as the estimate judges it. */
export interface RunSend {
  readonly step: string;
  readonly channel: JourneyChannel;
  readonly purpose: JourneyPurpose;
  readonly intent?: string;
  readonly approved: boolean;
}

export interface CampaignEstimate {
  readonly runId: string;
  readonly journey: string;
  /** Members among the profiles scanned; `complete: false` = the scan stopped at its budget. */
  readonly audience: { readonly count: number; readonly scanned: number; readonly complete: boolean };
  /** The channel the estimate judges (the run's first send). */
  readonly channel?: JourneyChannel;
  readonly sends: readonly RunSend[];
  /** Members whose guards were checked (the first `maxChecked`). */
  readonly checked: number;
  /** Of those checked, who would be skipped now, by the send function's reason code. */
  readonly expectedSkips: Record<string, number>;
  /** Of those checked, who would pass every rule now. */
  readonly sendable: number;
  /** Journey sends without approved content: they skip with `content_not_approved`. */
  readonly contentGaps: readonly RunSend[];
  /** The run's holdout share: that many members are held out on purpose (not a skip). */
  readonly holdoutShare: number;
}

/** The sends of a run: the message, or the journey's sends by intent (in step order). */
export async function runSends(
  deps: Pick<LaunchDeps, 'variants'>,
  journey: JourneyDefinition,
  message: ResolvedLaunch['plan']['message'],
): Promise<RunSend[]> {
  const out: RunSend[] = [];
  for (const step of journey.steps) {
    if (step.type !== 'send') continue;
    const fromMessage = 'fromTrigger' in step.content;
    const channel = fromMessage ? message?.channel : step.channel;
    const intent = fromMessage ? message?.intent : 'intent' in step.content ? step.content.intent : undefined;
    if (!channel) continue;
    const approved = intent
      ? (await deps.variants.approvedVariants({ journey: journey.id, step: step.id, channel, intent }))
          .length > 0
      : true; // a decision's content: decide picks it (the decision's own rules apply)
    out.push({ step: step.id, channel, purpose: step.purpose, ...(intent ? { intent } : {}), approved });
  }
  return out;
}

/** The reason the send function would skip this member now, or undefined when every rule passes. */
export async function expectedSkip(
  deps: Pick<EstimateDeps, 'recipients' | 'suppressions' | 'hasher' | 'pressure' | 'channels' | 'timeScale'>,
  member: DecisionProfile,
  send: RunSend,
  priority: number,
  now: Date,
): Promise<SkipReason | undefined> {
  const { channel, purpose } = send;
  const marketing = purpose === 'marketing';
  const recipient = await deps.recipients.getRecipient(member.profileId);
  if (!recipient) return REASONS.recipientNotFound;
  const address =
    channel === 'email'
      ? recipient.email?.trim()
      : channel === 'sms'
        ? recipient.phone?.trim()
        : channel === 'push'
          ? recipient.pushTokens?.[0]?.token
          : 'inbox';
  if (!address) return REASONS.noContactAddress;
  if (marketing && recipient.consent[channel] !== true) return REASONS.noConsent;
  const hashes =
    channel === 'email' && recipient.email
      ? addressHashes(deps.hasher, 'email', recipient.email)
      : channel === 'sms' && recipient.phone
        ? addressHashes(deps.hasher, 'phone', recipient.phone)
        : [];
  const entries = await deps.suppressions.find({
    addressHashes: hashes,
    profileId: recipient.profileId,
    channel,
  });
  const blocking = entries.find((e) => suppressionBlocks(e, channel, purpose));
  if (blocking) return SUPPRESSION_REASON[blocking.reason];
  if (!send.approved) return REASONS.contentNotApproved;
  const caps = deps.channels.caps[channel];
  if (marketing && caps.length > 0) {
    const pressure = await deps.pressure.load(recipient.profileId, channel);
    const verdict = evaluateCaps(pressure.sends, caps, now, priority, deps.channels.priority.reservedFrom);
    if (!verdict.allowed) return REASONS.frequencyCap;
  }
  const window = deps.channels.quietHours.allowed[channel];
  if (marketing && window) {
    const zone =
      recipient.timeZone && isValidTimeZone(recipient.timeZone)
        ? recipient.timeZone
        : deps.channels.quietHours.defaultTimeZone;
    const state = channel === 'sms' && deps.channels.quietHours.usStateRules ? recipient.usState : undefined;
    const q = checkQuietHoursAtSpeed(now, zone, weeklyWindow(window, state), deps.timeScale ?? 1);
    if (!q.allowed) return REASONS.quietHours;
  }
  return undefined;
}

/**
 * Checks the launch (as `POST /admin/campaigns` would), counts the audience and judges the first
 * `maxChecked` members against the send rules as they stand now. Starts nothing.
 */
export async function estimateCampaign(deps: EstimateDeps, body: unknown): Promise<CampaignEstimate> {
  const launch = await resolveLaunch(deps, body);
  const { plan } = launch;
  const journey = deps.journeys.find((j) => j.id === plan.journey)!;
  const sends = await runSends(deps, journey, plan.message);
  const first = sends[0];
  const now = deps.now();
  const maxProfiles = deps.maxProfiles ?? 5_000;
  const maxChecked = deps.maxChecked ?? 500;
  const expectedSkips: Record<string, number> = {};
  let count = 0;
  let scanned = 0;
  let checked = 0;
  let sendable = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.source.page(Math.min(250, maxProfiles - scanned), cursor);
    scanned += page.profiles.length;
    const members = page.profiles.filter((p) => inAudience(p, plan.audience));
    count += members.length;
    const toCheck = first ? members.slice(0, Math.max(0, maxChecked - checked)) : [];
    const verdicts = await Promise.all(
      toCheck.map((m) => expectedSkip(deps, m, first!, journey.priority ?? 0, now)),
    );
    for (const v of verdicts) {
      checked++;
      if (v) expectedSkips[v] = (expectedSkips[v] ?? 0) + 1;
      else sendable++;
    }
    cursor = page.cursor;
  } while (cursor && scanned < maxProfiles);
  const split = journey.steps.find((s) => s.type === 'split');
  return {
    runId: plan.runId,
    journey: plan.journey,
    audience: { count, scanned, complete: cursor === undefined },
    ...(first ? { channel: first.channel } : {}),
    sends,
    checked,
    expectedSkips,
    sendable,
    contentGaps: sends.filter((s) => !s.approved),
    holdoutShare: split && 'holdoutShare' in split ? split.holdoutShare : 0,
  };
}
