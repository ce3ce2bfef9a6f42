/**
 * The one send path for every channel. Rules run in a fixed order, each with a reason code that is
 * stored on the ledger, logged (code only) and counted:
 *
 *   0. ledger replay  — a step that already has a decided send returns that outcome again
 *   1. consent        — contact address; marketing needs explicit consent = true for the channel
 *   2. suppression    — hard bounce, complaint, unsubscribe, SMS STOP (by hashed address and profile)
 *   3. content        — variant approved (and human-reviewed when `sensitive`)
 *      pause          — marketing email is paused by provider feedback (reputation guard)
 *   4. caps           — rolling contact-pressure caps per profile and channel (marketing only)
 *   5. quiet hours    — recipient's local time, state rules for SMS (marketing only)
 *      render         — Liquid; failures skip with `render_failed`
 *   6. ledger         — conditional claim of (executionId, step, channel) + pressure slot, atomically
 *   then the provider call, and the ledger settles with its result. A newly sent message is then
 *   counted for the execution's fairness cohort (`assignment.cohort`), once: a replay never counts.
 *   A send whose outcome is unknown (a provider timeout, a claim abandoned past its lease) is
 *   reconciled by its channel's and purpose's policy (reconcile.ts): re-sent, or marked `unknown`.
 */
import type { ChannelsConfig } from '../../config/channels.js';
import type { MessageOutcomeLog } from '../../ports/activity.js';
import type {
  BanditExposureCounter,
  Channel,
  ChannelMetrics,
  CohortSendCounter,
  EmailSender,
  InboxStore,
  Ledger,
  LedgerEntry,
  LedgerTakeover,
  PressureStore,
  ProviderResult,
  PushSender,
  Recipient,
  RecipientSource,
  ReputationStore,
  SmsSender,
  SuppressionList,
} from '../../ports/channels.js';
import type { Logger } from '../../ports/logger.js';
import { recordOutcome } from '../activity/counters.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { evaluateCaps, nextPressureSends } from './caps.js';
import { addressHashes as hashesOf } from './hashing.js';
import { isValidTimeZone, weeklyWindow } from './quiet-hours.js';
import { leaseExpired, outcomeUnknown, RECONCILED, reconcilePolicy } from './reconcile.js';
import { renderParts } from './render.js';
import { REASONS, type SendOutcome, type SendRequest, type SkipReason } from './schemas.js';
import { smsSegments } from './sms-segments.js';
import { SUPPRESSION_REASON, suppressionBlocks } from './suppression.js';
import { checkQuietHoursAtSpeed, journeyTime } from './time-scale.js';
import { signTemplateLinks, templateScope } from './variables.js';

export interface SendDeps {
  readonly recipients: RecipientSource;
  readonly suppressions: Pick<SuppressionList, 'find'>;
  readonly pressure: PressureStore;
  readonly ledger: Ledger;
  readonly reputation: Pick<ReputationStore, 'isPaused' | 'add'>;
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly push: PushSender;
  readonly inbox: Pick<InboxStore, 'put'>;
  readonly config: ChannelsConfig;
  readonly unsubscribeSecret: string;
  /** Hashes the recipient's address for the suppression lookup (every key of a rotation). */
  readonly hasher: KeyedHasher;
  readonly metrics: ChannelMetrics;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly now: () => Date;
  readonly newId: () => string;
  /**
   * How many times faster than real time the guardrail windows run (FELTFIT_TIME_SCALE, local runs
   * only; default 1). `config.caps` are expected already scaled (scaleGuardrailWindows); quiet hours
   * read a virtual clock and every `retryAt` is in journey time (see time-scale.ts).
   */
  readonly timeScale?: number;
  /** Fairness counters: each newly sent message is counted for the execution's cohort, if any. */
  readonly cohorts?: CohortSendCounter;
  /** The content bandit: each newly sent variant counts one exposure for its decision step. */
  readonly bandit?: BanditExposureCounter;
  /**
   * The per-person message log and the daily outcome counters (the console's person page and
   * overview): each decided outcome once — a replay or a duplicate is not a new outcome.
   */
  readonly outcomes?: MessageOutcomeLog;
}

/** Times a claim is retried when another send took the pressure slot concurrently. */
const CLAIM_ATTEMPTS = 5;

function hasAddress(recipient: Recipient, channel: Channel): boolean {
  switch (channel) {
    case 'email':
      return Boolean(recipient.email?.trim());
    case 'sms':
      return Boolean(recipient.phone?.trim());
    case 'push':
      return (recipient.pushTokens?.length ?? 0) > 0;
    case 'inApp':
      return true;
  }
}

function addressHashes(hasher: KeyedHasher, recipient: Recipient, channel: Channel): string[] {
  if (channel === 'email' && recipient.email) return hashesOf(hasher, 'email', recipient.email);
  if (channel === 'sms' && recipient.phone) return hashesOf(hasher, 'phone', recipient.phone);
  return [];
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Appends the CAN-SPAM footer (postal address + unsubscribe link) to the HTML part. */
export function withHtmlFooter(html: string, postalAddress: string, unsubscribeUrl: string): string {
  const footer =
    `<div style="margin-top:24px;font-size:12px;color:#666">` +
    `<p>${escapeHtml(postalAddress)}</p>` +
    `<p><a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p></div>`;
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? `${html}${footer}` : `${html.slice(0, at)}${footer}${html.slice(at)}`;
}

/** Puts the preheader as hidden text at the start of the body. */
export function withPreheader(html: string, preheader: string): string {
  const hidden = `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(preheader)}</div>`;
  const m = /<body[^>]*>/i.exec(html);
  return m
    ? `${html.slice(0, m.index + m[0].length)}${hidden}${html.slice(m.index + m[0].length)}`
    : `${hidden}${html}`;
}

/** Adds the opt-out instruction to a marketing SMS that does not already say STOP. */
export function withOptOut(body: string, optOutText: string): string {
  return /\bSTOP\b/i.test(body) ? body : `${body.trimEnd()} ${optOutText}`;
}

/** Decides and, when every rule passes, sends one message. Never throws for an expected outcome. */
export async function send(deps: SendDeps, request: SendRequest): Promise<SendOutcome> {
  const now = request.at ? new Date(request.at) : deps.now();
  const speed = deps.timeScale ?? 1;
  // When a cap frees a slot, in journey time (the instant a journey's timestamp wait names).
  const capRetry = (retryAt: Date | undefined) => retryAt && journeyTime(now, retryAt, speed);
  const { channel, purpose } = request;
  const marketing = purpose === 'marketing';
  const base = {
    executionId: request.executionId,
    step: request.step,
    channel,
    profileId: request.profileId,
    journey: request.journey,
    variantId: request.content.variantId,
    purpose,
  } as const;

  const decided = (outcome: string) => {
    deps.metrics.count('SendDecision', { channel, purpose, outcome });
    deps.logger.info('send decided', {
      channel,
      purpose,
      journey: request.journey,
      step: request.step,
      outcome,
    });
  };
  // Real time, for leases (`now` is the journey's: a retried state keeps its entered time).
  const clock = deps.now();
  // `at`: a reconciled outcome is logged at the real time, so it is not taken for the attempt it follows.
  const logOutcome = (status: 'sent' | 'skipped' | 'failed', reason?: string, at = now) =>
    recordOutcome(
      deps.outcomes,
      {
        profileId: request.profileId,
        at: at.toISOString(),
        channel,
        journey: request.journey,
        step: request.step,
        executionId: request.executionId,
        ...(request.content.variantId ? { variantId: request.content.variantId } : {}),
        status,
        ...(reason ? { reason } : {}),
      },
      (err) =>
        deps.logger.warn('message outcome not logged', {
          channel,
          journey: request.journey,
          step: request.step,
          errorName: err instanceof Error ? err.name : typeof err,
        }),
    );
  // Set when this invocation re-sends an abandoned claim: its writes may replace that entry.
  let takeover: LedgerTakeover | undefined;
  const skip = async (reason: SkipReason, retryAt?: Date): Promise<SendOutcome> => {
    const decidedElsewhere = await deps.ledger.recordSkip(
      {
        ...base,
        status: 'skipped',
        reason,
        at: now.toISOString(),
        ...(retryAt ? { retryAt: retryAt.toISOString() } : {}),
      },
      takeover,
    );
    if (decidedElsewhere) {
      // A racing invocation of the same step claimed it meanwhile: report its outcome, not ours.
      decided(REASONS.duplicate);
      return replayOf(decidedElsewhere, clock) ?? { outcome: 'Skipped', reason: REASONS.duplicate };
    }
    decided(reason);
    await logOutcome('skipped', reason);
    return { outcome: 'Skipped', reason, ...(retryAt ? { retryAt: retryAt.toISOString() } : {}) };
  };

  /** The policy said not to send again: the entry becomes `unknown`, counted and logged. */
  const markUnknown = async (entry: LedgerEntry): Promise<SendOutcome> => {
    await deps.ledger.settle({
      ...entry,
      status: 'unknown',
      reason: RECONCILED.unknown,
      retryable: false,
      at: clock.toISOString(),
    });
    deps.metrics.count('SendReconciled', { channel, purpose, outcome: 'unknown' });
    deps.logger.warn('send outcome unknown, not sent again', {
      channel,
      purpose,
      journey: request.journey,
      step: request.step,
    });
    decided(RECONCILED.unknown);
    await logOutcome('failed', RECONCILED.unknown, clock);
    return { outcome: 'Failed', retryable: false, reason: RECONCILED.unknown };
  };

  // 0. Replay: the same step already sent (or failed for good) — answer the same, send nothing.
  // A send whose outcome nobody knows is reconciled by its policy instead.
  const previous = await deps.ledger.get(base);
  const policy = reconcilePolicy(channel, purpose);
  const resending = Boolean(previous && outcomeUnknown(previous, clock));
  if (previous && resending) {
    if (policy === 'unknown') return markUnknown(previous);
    takeover = { takeoverBefore: clock.toISOString() };
  } else {
    const replay = previous && replayOf(previous, clock);
    if (replay) {
      decided(
        replay.outcome === 'Failed' && replay.reason === RECONCILED.inFlight
          ? RECONCILED.inFlight
          : `replay_${replay.outcome.toLowerCase()}`,
      );
      return replay;
    }
  }

  // 1. Consent and contact address.
  const recipient = await deps.recipients.getRecipient(request.profileId);
  if (!recipient) return skip(REASONS.recipientNotFound);
  if (!hasAddress(recipient, channel)) return skip(REASONS.noContactAddress);
  if (marketing && recipient.consent[channel] !== true) return skip(REASONS.noConsent);

  // 2. Suppression.
  const entries = await deps.suppressions.find({
    addressHashes: addressHashes(deps.hasher, recipient, channel),
    profileId: recipient.profileId,
    channel,
  });
  const blocking = entries.find((e) => suppressionBlocks(e, channel, purpose));
  if (blocking) return skip(SUPPRESSION_REASON[blocking.reason]);

  // 3. Content approved (and reviewed by a person for sensitive segments or offers).
  if (request.content.status !== 'approved') return skip(REASONS.contentNotApproved);
  if (request.sensitive && !request.content.reviewedBy) return skip(REASONS.contentNeedsHumanReview);

  // Reputation guard: provider feedback paused marketing email.
  if (marketing && channel === 'email' && (await deps.reputation.isPaused())) {
    return skip(REASONS.marketingEmailPaused);
  }

  // 4. Contact-pressure caps (marketing only).
  const caps = deps.config.caps[channel];
  const capsApply = marketing && caps.length > 0;
  let pressure = capsApply ? await deps.pressure.load(recipient.profileId, channel) : undefined;
  if (pressure) {
    const verdict = evaluateCaps(
      pressure.sends,
      caps,
      now,
      request.priority,
      deps.config.priority.reservedFrom,
    );
    if (!verdict.allowed) return skip(REASONS.frequencyCap, capRetry(verdict.retryAt));
  }

  // 5. Quiet hours (marketing only), in the recipient's zone.
  const window = deps.config.quietHours.allowed[channel];
  if (marketing && window) {
    const zone =
      recipient.timeZone && isValidTimeZone(recipient.timeZone)
        ? recipient.timeZone
        : deps.config.quietHours.defaultTimeZone;
    const state = channel === 'sms' && deps.config.quietHours.usStateRules ? recipient.usState : undefined;
    const q = checkQuietHoursAtSpeed(now, zone, weeklyWindow(window, state), speed);
    if (!q.allowed) return skip(REASONS.quietHours, q.retryAt);
  }

  // Render. A retry or re-send keeps the claim's messageId: the inbox overwrites, feedback finds it.
  const messageId = (previous && previous.status !== 'skipped' && previous.messageId) || deps.newId();
  const prepared = prepare(deps, request, recipient, messageId, now);
  if (!prepared.ok) {
    deps.logger.warn('render failed', {
      channel,
      journey: request.journey,
      step: request.step,
      part: prepared.part,
    });
    return skip(REASONS.renderFailed);
  }
  if (prepared.missing.length > 0) {
    deps.logger.info('template variables missing', { journey: request.journey, variables: prepared.missing });
  }

  // 6. Ledger claim (and the pressure slot, in the same transaction).
  const claimed: LedgerEntry = {
    ...base,
    status: 'sending',
    messageId,
    at: now.toISOString(),
    leaseUntil: new Date(clock.getTime() + deps.config.ledger.leaseSeconds * 1000).toISOString(),
  };
  for (let attempt = 1; ; attempt++) {
    const result = await deps.ledger.claim(
      claimed,
      pressure
        ? {
            expectedVersion: pressure.version,
            sends: nextPressureSends(pressure.sends, caps, now, {
              at: now.getTime(),
              messageId,
              priority: request.priority,
            }),
          }
        : undefined,
      takeover,
    );
    if (result.kind === 'claimed') break;
    if (result.kind === 'duplicate') {
      const again = replayOf(result.existing, clock) ?? { outcome: 'Skipped', reason: REASONS.duplicate };
      decided(REASONS.duplicate);
      return again;
    }
    // Another journey took a slot meanwhile: re-read and re-judge the caps.
    if (attempt >= CLAIM_ATTEMPTS) {
      const existing = await deps.ledger.get(base);
      const settled = existing && replayOf(existing, clock);
      if (settled) {
        decided(REASONS.duplicate);
        return settled;
      }
      decided('pressure_contention');
      return { outcome: 'Failed', retryable: true, reason: 'pressure_contention' };
    }
    pressure = await deps.pressure.load(recipient.profileId, channel);
    const verdict = evaluateCaps(
      pressure.sends,
      caps,
      now,
      request.priority,
      deps.config.priority.reservedFrom,
    );
    if (!verdict.allowed) return skip(REASONS.frequencyCap, capRetry(verdict.retryAt));
  }

  // Provider.
  let result: ProviderResult;
  try {
    result = await prepared.deliver();
  } catch (err) {
    deps.logger.warn('provider call threw', {
      channel,
      errorName: err instanceof Error ? err.name : typeof err,
    });
    result = { ok: false, retryable: true, reason: 'provider_error' };
  }
  // The answer was lost and the message may be out: marketing is not sent again (the pressure
  // slot stays taken); transactional fails retryable, and the retry re-sends.
  if (!result.ok && result.reason === RECONCILED.providerTimeout && policy === 'unknown') {
    return markUnknown(claimed);
  }
  if (!result.ok) {
    if (pressure) await deps.pressure.release(recipient.profileId, channel, messageId);
    await deps.ledger.settle({
      ...claimed,
      status: 'failed',
      reason: result.reason,
      retryable: result.retryable,
    });
    decided(`failed_${result.reason}`);
    await logOutcome('failed', result.reason);
    return { outcome: 'Failed', retryable: result.retryable, reason: result.reason };
  }
  await deps.ledger.settle({ ...claimed, status: 'sent', providerId: result.providerId });
  await countSent(deps, request);
  if (channel === 'email') await deps.reputation.add(now, { sends: 1 });
  if (resending) {
    deps.metrics.count('SendReconciled', { channel, purpose, outcome: 'resent' });
    decided(RECONCILED.resent);
    await logOutcome('sent', RECONCILED.resent, clock);
  } else {
    decided('sent');
    await logOutcome('sent');
  }
  return { outcome: 'Sent', messageId, providerId: result.providerId };
}

/**
 * Counts a newly sent message: one exposure of its variant for the content bandit of the step that
 * decided it, and the message (with a decided offer and its discount) for the execution's fairness
 * cohort. Only this path counts: a replayed or duplicate step returns before it, so a retry never
 * counts twice (a crash right after the ledger settled leaves the message uncounted instead). A
 * counter that fails is logged and counted, never thrown: the message is out and must not be resent.
 */
async function countSent(deps: SendDeps, request: SendRequest): Promise<void> {
  const bestEffort = async (metric: string, count: () => Promise<void>) => {
    try {
      await count();
    } catch (err) {
      deps.logger.warn('sent message count failed', {
        counter: metric,
        channel: request.channel,
        journey: request.journey,
        step: request.step,
        errorName: err instanceof Error ? err.name : typeof err,
      });
      deps.metrics.count(metric, { channel: request.channel });
    }
  };
  const { bandit, cohorts } = deps;
  if (bandit && request.decision) {
    const decision = request.decision;
    await bestEffort('BanditCountFailed', () =>
      bandit.recordExposure(request.journey, decision, request.variant),
    );
  }
  const cohort = request.assignment?.cohort;
  if (cohorts && cohort && Object.keys(cohort).length > 0) {
    const offer = request.action === 'offer';
    await bestEffort('CohortCountFailed', () =>
      cohorts.countSend(request.journey, cohort, { offer, discount: offer ? (request.discount ?? 0) : 0 }),
    );
  }
}

/**
 * The outcome a decided ledger entry stands for; undefined when the step may be (re)tried. A claim
 * still within its lease at `now` is in flight: come back later (retryable), never a silent
 * permanent duplicate.
 */
export function replayOf(entry: LedgerEntry, now: Date): SendOutcome | undefined {
  if (entry.status === 'sent') {
    return { outcome: 'Sent', messageId: entry.messageId ?? '', providerId: entry.providerId ?? '' };
  }
  if (entry.status === 'failed' && !entry.retryable) {
    return { outcome: 'Failed', retryable: false, reason: entry.reason ?? 'provider_error' };
  }
  if (entry.status === 'unknown') return { outcome: 'Failed', retryable: false, reason: RECONCILED.unknown };
  if (entry.status === 'sending' && !leaseExpired(entry, now)) {
    return { outcome: 'Failed', retryable: true, reason: RECONCILED.inFlight };
  }
  return undefined;
}

type Prepared =
  | { ok: true; missing: string[]; deliver: () => Promise<ProviderResult> }
  | { ok: false; part: string };

function prepare(
  deps: SendDeps,
  request: SendRequest,
  recipient: Recipient,
  messageId: string,
  now: Date,
): Prepared {
  const { content, channel } = request;
  const marketing = request.purpose === 'marketing';
  const cfg = deps.config;
  // The same signed links go into the copy's variables and, for marketing email, the footer and headers.
  const links = signTemplateLinks(deps.unsubscribeSecret, cfg.email, recipient.profileId, channel, now);
  const unsubscribeUrl = marketing && channel === 'email' ? links.unsubscribeUrl : undefined;
  const scope = templateScope({
    recipient,
    messageId,
    links,
    context: request.context,
    action: request.action,
    discount: request.discount,
    now,
  });
  const text = (source: string | undefined) =>
    source === undefined ? undefined : { source, kind: 'text' as const };

  if (channel === 'email') {
    if (!content.subject) return { ok: false, part: 'subject' };
    const r = renderParts(
      {
        subject: text(content.subject),
        preheader: text(content.preheader),
        text: text(content.text),
        html: content.html === undefined ? undefined : { source: content.html, kind: 'html' },
      },
      scope,
    );
    if (!r.ok) return { ok: false, part: r.part };
    let html = r.parts.html;
    let body = r.parts.text ?? '';
    if (html !== undefined && r.parts.preheader) html = withPreheader(html, r.parts.preheader);
    const headers: { name: string; value: string }[] = [];
    if (unsubscribeUrl) {
      if (html !== undefined) html = withHtmlFooter(html, cfg.email.postalAddress, unsubscribeUrl);
      body = `${body.trimEnd()}\n\n--\n${cfg.email.postalAddress}\nUnsubscribe: ${unsubscribeUrl}\n`;
      const mailto = cfg.email.unsubscribeMailto
        ? `, <mailto:${cfg.email.unsubscribeMailto}?subject=unsubscribe>`
        : '';
      headers.push(
        { name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>${mailto}` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      );
    }
    const subject = (r.parts.subject ?? '').replace(/[\r\n]+/g, ' ').trim();
    return {
      ok: true,
      missing: r.missing,
      deliver: () =>
        deps.email.sendEmail({
          messageId,
          from: cfg.email.fromAddress,
          ...(cfg.email.replyTo ? { replyTo: cfg.email.replyTo } : {}),
          to: recipient.email!,
          subject,
          ...(html !== undefined ? { html } : {}),
          text: body,
          headers,
          tags: {
            journey: request.journey,
            step: request.step,
            variant: request.variant,
            purpose: request.purpose,
            feltfit_message_id: messageId,
          },
        }),
    };
  }

  if (channel === 'sms') {
    const r = renderParts({ body: text(content.body ?? content.text) }, scope);
    if (!r.ok) return { ok: false, part: r.part };
    const rendered = r.parts.body ?? '';
    const body = marketing ? withOptOut(rendered, cfg.sms.optOutText) : rendered;
    return {
      ok: true,
      missing: r.missing,
      deliver: () =>
        deps.sms.sendSms({
          messageId,
          to: recipient.phone!,
          body,
          type: marketing ? 'promotional' : 'transactional',
          segments: smsSegments(body),
        }),
    };
  }

  const r = renderParts(
    { title: text(content.title ?? content.subject ?? ''), body: text(content.body ?? content.text) },
    scope,
  );
  if (!r.ok) return { ok: false, part: r.part };
  const title = r.parts.title ?? '';
  const body = r.parts.body ?? '';
  if (channel === 'push') {
    return {
      ok: true,
      missing: r.missing,
      deliver: () =>
        deps.push.sendPush({
          messageId,
          tokens: recipient.pushTokens ?? [],
          title,
          body,
          data: { messageId, journey: request.journey },
        }),
    };
  }
  return {
    ok: true,
    missing: r.missing,
    deliver: async () => {
      await deps.inbox.put({
        messageId,
        profileId: recipient.profileId,
        title,
        body,
        journey: request.journey,
        variantId: content.variantId,
        createdAt: now.toISOString(),
      });
      return { ok: true, providerId: `inbox:${messageId}` };
    },
  };
}
