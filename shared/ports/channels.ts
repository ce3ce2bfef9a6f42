/**
 * Ports of the channels context. Domain code (shared/domain/channels) depends only on these; adapters in
 * shared/adapters/{dynamodb/message-*,ses,sms,push,outbox} implement them.
 */
import type { Channel } from '../config/channels.js';

export type { Channel };

/** What a send needs to know about a person. The lead implements RecipientSource over profiles. */
export interface Recipient {
  readonly profileId: string;
  readonly email?: string;
  /** E.164. */
  readonly phone?: string;
  readonly pushTokens?: readonly { token: string; platform: 'ios' | 'android' }[];
  /** IANA time zone, e.g. `America/Chicago`. */
  readonly timeZone?: string;
  /** Two-letter US state code, when known. */
  readonly usState?: string;
  readonly locale?: string;
  /** Marketing consent per channel; `undefined` means never given. */
  readonly consent: {
    readonly email?: boolean;
    readonly sms?: boolean;
    readonly push?: boolean;
    readonly inApp?: boolean;
  };
  readonly traits: Readonly<Record<string, unknown>>;
  readonly features: Readonly<Record<string, unknown>>;
}

export interface RecipientSource {
  /** The recipient, or undefined when no such profile exists (or it was erased). */
  getRecipient(profileId: string): Promise<Recipient | undefined>;
}

/** Records a consent withdrawal (implemented by the lead over profiles' consent records). */
export interface ConsentRecorder {
  withdraw(profileId: string, channel: Channel, source: string, at: Date): Promise<void>;
}

export type SuppressionReason =
  | 'hard_bounce'
  | 'complaint'
  | 'unsubscribe'
  | 'sms_stop'
  | 'endpoint_disabled';

export interface SuppressionEntry {
  readonly reason: SuppressionReason;
  readonly channel: Channel;
  /** ISO-8601. */
  readonly at: string;
  readonly source: string;
}

/** Suppression list: keyed by hashed address and by profile + channel. */
export interface SuppressionList {
  /** Entries matching any of the address hashes (any channel) or the profile on this channel. */
  find(query: {
    addressHashes: readonly string[];
    profileId: string;
    channel: Channel;
  }): Promise<SuppressionEntry[]>;
  /** Adds an entry under each given key; re-adding is harmless. */
  suppress(keys: { addressHash?: string; profileId?: string }, entry: SuppressionEntry): Promise<void>;
}

/** One send counted against contact pressure. */
export interface PressureSend {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly messageId: string;
  readonly priority: number;
}

/** Recent marketing sends of one profile on one channel, with an optimistic-locking version. */
export interface PressureState {
  readonly sends: readonly PressureSend[];
  readonly version: number;
}

export interface PressureStore {
  load(profileId: string, channel: Channel): Promise<PressureState>;
  /** Removes one counted send (the provider refused the message). Harmless when absent. */
  release(profileId: string, channel: Channel, messageId: string): Promise<void>;
}

/** `unknown`: the provider may or may not have delivered, and the policy said not to send again. */
export type LedgerStatus = 'skipped' | 'sending' | 'sent' | 'failed' | 'unknown';

/** The ledger's record of one (executionId, step, channel). */
export interface LedgerEntry {
  readonly executionId: string;
  readonly step: string;
  readonly channel: Channel;
  readonly profileId: string;
  readonly journey: string;
  readonly variantId?: string;
  readonly purpose: 'marketing' | 'transactional';
  readonly status: LedgerStatus;
  /** Reason code of a skip or failure. */
  readonly reason?: string;
  readonly retryable?: boolean;
  readonly retryAt?: string;
  readonly messageId?: string;
  readonly providerId?: string;
  /** ISO-8601 of the decision. */
  readonly at: string;
  /**
   * Of a `sending` entry: until when (ISO-8601, real clock) the claim is held. After it, a replay
   * reconciles the entry (docs/channels.md#send-reconciliation); an entry without one is past it.
   */
  readonly leaseUntil?: string;
}

export type LedgerKey = Pick<LedgerEntry, 'executionId' | 'step' | 'channel'>;

/**
 * Lets a claim or a skip replace a `sending` entry whose lease ended by `takeoverBefore`
 * (ISO-8601): the send path re-sends an abandoned transactional message under this option only.
 */
export interface LedgerTakeover {
  readonly takeoverBefore?: string;
}

export type ClaimResult =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'duplicate'; readonly existing: LedgerEntry }
  /** Another send took the pressure slot first: re-evaluate the caps. */
  | { readonly kind: 'pressure_conflict' };

/** The idempotent send ledger. */
export interface Ledger {
  get(key: LedgerKey): Promise<LedgerEntry | undefined>;
  /**
   * Atomically claims the key (status `sending`) unless a non-skipped, non-retryable entry exists,
   * and — when given — counts the send against contact pressure at the expected version.
   */
  claim(
    entry: LedgerEntry,
    pressure?: { readonly expectedVersion: number; readonly sends: readonly PressureSend[] },
    options?: LedgerTakeover,
  ): Promise<ClaimResult>;
  /**
   * Records a skip, unless the key already holds a non-skipped decision (a racing invocation claimed it):
   * then returns that entry instead.
   */
  recordSkip(entry: LedgerEntry, options?: LedgerTakeover): Promise<LedgerEntry | undefined>;
  /** Records the provider's outcome for a claimed key. */
  settle(entry: LedgerEntry): Promise<void>;
  /** Looks up the ledger key of a message id (for provider feedback). */
  findByMessageId(messageId: string): Promise<LedgerEntry | undefined>;
  /** Records a provider event (delivered, opened, bounced …) on the message's ledger entry. */
  recordEvent(messageId: string, event: { type: string; at: string }): Promise<void>;
}

/** Rolling email reputation counters and the marketing-email pause flag. */
export interface ReputationStore {
  /** Adds to the counters of the hour containing `at`. */
  add(at: Date, counts: { sends?: number; bounces?: number; complaints?: number }): Promise<void>;
  /**
   * Adds to the counters once per `key` (a provider feedback id): a redelivered bounce or complaint
   * counts nothing. Returns false when the key was already counted.
   */
  addOnce(
    key: string,
    at: Date,
    counts: { sends?: number; bounces?: number; complaints?: number },
  ): Promise<boolean>;
  /** Sums the counters of the hours in [from, to]. */
  totals(from: Date, to: Date): Promise<{ sends: number; bounces: number; complaints: number }>;
  pause(state: { reason: string; at: string; bounceRate: number; complaintRate: number }): Promise<void>;
  isPaused(): Promise<boolean>;
  resume(): Promise<void>;
}

export interface InboxMessage {
  readonly messageId: string;
  readonly profileId: string;
  readonly title: string;
  readonly body: string;
  readonly journey: string;
  readonly variantId: string;
  readonly createdAt: string;
  readonly readAt?: string;
}

export interface InboxStore {
  put(message: InboxMessage): Promise<void>;
  list(
    profileId: string,
    query: { limit: number; cursor?: string },
  ): Promise<{
    messages: InboxMessage[];
    cursor?: string;
  }>;
  /** Marks a message read; false when the person has no such message. */
  markRead(profileId: string, messageId: string, at: string): Promise<boolean>;
}

/** Outcome of a provider call. */
export type ProviderResult =
  | { readonly ok: true; readonly providerId: string }
  | { readonly ok: false; readonly retryable: boolean; readonly reason: string };

export interface EmailMessage {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo?: string;
  readonly to: string;
  readonly subject: string;
  readonly html?: string;
  readonly text: string;
  /** Extra headers, e.g. List-Unsubscribe. */
  readonly headers: readonly { name: string; value: string }[];
  /** Tags for provider feedback (sanitised by the adapter). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface EmailSender {
  sendEmail(message: EmailMessage): Promise<ProviderResult>;
}

export interface SmsMessage {
  readonly messageId: string;
  readonly to: string;
  readonly body: string;
  readonly type: 'transactional' | 'promotional';
  readonly segments: number;
}

export interface SmsSender {
  sendSms(message: SmsMessage): Promise<ProviderResult>;
}

export interface PushMessage {
  readonly messageId: string;
  readonly tokens: readonly { token: string; platform: 'ios' | 'android' }[];
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, string>>;
}

export interface PushSender {
  sendPush(message: PushMessage): Promise<ProviderResult>;
}

/** Counts decisions (reason codes) for dashboards and alarms. */
export interface ChannelMetrics {
  count(name: string, dimensions: Readonly<Record<string, string>>, value?: number): void;
}

/**
 * Fairness counters per journey and cohort (measurement's, on the journeys table): the send path
 * counts each message it actually sent, and an offer with its discount, for the execution's cohort.
 */
/** The content bandit's exposure counter (a sent variant of a decision step). */
export interface BanditExposureCounter {
  recordExposure(journey: string, step: string, variant: string): Promise<void>;
}

export interface CohortSendCounter {
  countSend(
    journey: string,
    cohort: Readonly<Record<string, string>>,
    sent: { readonly offer: boolean; readonly discount: number },
  ): Promise<void>;
}
