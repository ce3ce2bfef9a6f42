/** In-memory fakes of the channels ports and builders for the channels tests. */
import { type ChannelsConfig, defaultChannelsConfig } from '../../../shared/config/channels.js';
import type { SendRequest } from '../../../shared/domain/channels/schemas.js';
import type { SendDeps } from '../../../shared/domain/channels/send.js';
import type {
  Channel,
  ClaimResult,
  EmailMessage,
  InboxMessage,
  Ledger,
  LedgerEntry,
  LedgerKey,
  LedgerTakeover,
  PressureSend,
  PressureState,
  ProviderResult,
  PushMessage,
  Recipient,
  SmsMessage,
  SuppressionEntry,
} from '../../../shared/ports/channels.js';
import { testHasher } from '../../support/hasher.js';
import { memoryMetrics } from '../../support/metrics.js';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** Tuesday 2024-05-14 16:00 UTC = 12:00 in New York (EDT). */
export const NOON_NY = new Date('2024-05-14T16:00:00.000Z');

export function recipient(overrides: Partial<Recipient> = {}): Recipient {
  return {
    profileId: 'prof-1',
    email: 'Ada@Example.com',
    phone: '+15551234567',
    pushTokens: [{ token: 'tok-1', platform: 'ios' }],
    timeZone: 'America/New_York',
    consent: { email: true, sms: true, push: true, inApp: true },
    traits: { firstName: 'Ada' },
    features: { rfmSegment: 'champion' },
    ...overrides,
  };
}

export function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    profileId: 'prof-1',
    channel: 'email',
    purpose: 'marketing',
    journey: 'welcome',
    executionId: 'exec-1',
    step: 'send-welcome',
    content: {
      variantId: 'v-1',
      status: 'approved',
      subject: 'Hello {{ traits.firstName | default: "there" }}',
      html: '<html><body><p>Hi {{ traits.firstName }}</p></body></html>',
      text: 'Hi {{ traits.firstName | default: "there" }}',
    },
    variant: 'A',
    priority: 0,
    ...overrides,
  };
}

const keyOf = (k: LedgerKey) => `${k.executionId}|${k.step}|${k.channel}`;

/** A `sending` claim whose lease ended before the takeover instant (the adapter's ABANDONED). */
const abandoned = (e: LedgerEntry, options: LedgerTakeover | undefined) =>
  Boolean(
    options?.takeoverBefore &&
      e.status === 'sending' &&
      (!e.leaseUntil || e.leaseUntil <= options.takeoverBefore),
  );

/** A ledger with the DynamoDB adapter's claim semantics. */
export class MemoryLedger implements Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  readonly events: { messageId: string; type: string }[] = [];
  constructor(private readonly pressure?: MemoryPressure) {}
  async get(key: LedgerKey) {
    return this.entries.get(keyOf(key));
  }
  async claim(
    entry: LedgerEntry,
    pressure?: { expectedVersion: number; sends: readonly PressureSend[] },
    options?: LedgerTakeover,
  ): Promise<ClaimResult> {
    const existing = this.entries.get(keyOf(entry));
    if (
      existing &&
      !(existing.status === 'skipped' || (existing.status === 'failed' && existing.retryable)) &&
      !abandoned(existing, options)
    ) {
      return { kind: 'duplicate', existing };
    }
    if (pressure && this.pressure) {
      const ok = this.pressure.put(entry.profileId, entry.channel, pressure.expectedVersion, pressure.sends);
      if (!ok) return { kind: 'pressure_conflict' };
    }
    this.entries.set(keyOf(entry), entry);
    return { kind: 'claimed' };
  }
  async recordSkip(entry: LedgerEntry, options?: LedgerTakeover) {
    const existing = this.entries.get(keyOf(entry));
    if (!existing || existing.status === 'skipped' || abandoned(existing, options)) {
      this.entries.set(keyOf(entry), entry);
      return undefined;
    }
    return existing;
  }
  async settle(entry: LedgerEntry) {
    const existing = this.entries.get(keyOf(entry));
    // As the adapter: only the claim with this messageId and lease settles.
    if (
      existing?.messageId !== entry.messageId ||
      (entry.leaseUntil && existing?.leaseUntil !== entry.leaseUntil)
    )
      throw new Error('ConditionalCheckFailed');
    this.entries.set(keyOf(entry), entry);
  }
  async findByMessageId(messageId: string) {
    return [...this.entries.values()].find((e) => e.messageId === messageId);
  }
  async recordEvent(messageId: string, event: { type: string; at: string }) {
    this.events.push({ messageId, type: event.type });
  }
}

export class MemoryPressure {
  readonly state = new Map<string, PressureState>();
  async load(profileId: string, channel: Channel): Promise<PressureState> {
    return this.state.get(`${profileId}|${channel}`) ?? { sends: [], version: 0 };
  }
  put(profileId: string, channel: Channel, expected: number, sends: readonly PressureSend[]): boolean {
    const current = this.state.get(`${profileId}|${channel}`)?.version ?? 0;
    if (current !== expected) return false;
    this.state.set(`${profileId}|${channel}`, { sends, version: expected + 1 });
    return true;
  }
  async release(profileId: string, channel: Channel, messageId: string) {
    const s = await this.load(profileId, channel);
    this.state.set(`${profileId}|${channel}`, {
      sends: s.sends.filter((x) => x.messageId !== messageId),
      version: s.version + 1,
    });
  }
}

export class MemorySuppressions {
  readonly byKey = new Map<string, SuppressionEntry[]>();
  async find(q: { addressHashes: readonly string[]; profileId: string; channel: Channel }) {
    return [
      ...q.addressHashes.flatMap((h) => this.byKey.get(`A#${h}`) ?? []),
      ...(this.byKey.get(`P#${q.profileId}`) ?? []).filter((e) => e.channel === q.channel),
    ];
  }
  async suppress(keys: { addressHash?: string; profileId?: string }, entry: SuppressionEntry) {
    for (const k of [keys.addressHash && `A#${keys.addressHash}`, keys.profileId && `P#${keys.profileId}`]) {
      if (k) this.byKey.set(k, [...(this.byKey.get(k) ?? []), entry]);
    }
  }
}

export class MemoryReputation {
  paused: { reason: string } | undefined;
  readonly hours = new Map<number, { sends: number; bounces: number; complaints: number }>();
  async add(at: Date, c: { sends?: number; bounces?: number; complaints?: number }) {
    const h = Math.floor(at.getTime() / 3_600_000);
    const cur = this.hours.get(h) ?? { sends: 0, bounces: 0, complaints: 0 };
    this.hours.set(h, {
      sends: cur.sends + (c.sends ?? 0),
      bounces: cur.bounces + (c.bounces ?? 0),
      complaints: cur.complaints + (c.complaints ?? 0),
    });
  }
  readonly counted = new Set<string>();
  async addOnce(key: string, at: Date, c: { sends?: number; bounces?: number; complaints?: number }) {
    if (this.counted.has(key)) return false;
    this.counted.add(key);
    await this.add(at, c);
    return true;
  }
  async totals(from: Date, to: Date) {
    const t = { sends: 0, bounces: 0, complaints: 0 };
    for (const [h, c] of this.hours) {
      if (h >= Math.floor(from.getTime() / 3_600_000) && h <= Math.floor(to.getTime() / 3_600_000)) {
        t.sends += c.sends;
        t.bounces += c.bounces;
        t.complaints += c.complaints;
      }
    }
    return t;
  }
  async pause(state: { reason: string }) {
    this.paused = state;
  }
  async isPaused() {
    return this.paused !== undefined;
  }
  async resume() {
    this.paused = undefined;
  }
}

/** Records what providers were asked to send. */
export class RecordingProviders {
  readonly emails: EmailMessage[] = [];
  readonly sms: SmsMessage[] = [];
  readonly pushes: PushMessage[] = [];
  readonly inbox: InboxMessage[] = [];
  next: ProviderResult | undefined;
  private result(id: string): ProviderResult {
    const r = this.next ?? { ok: true, providerId: `prov-${id}` };
    return r;
  }
  sendEmail = async (m: EmailMessage) => {
    this.emails.push(m);
    return this.result(m.messageId);
  };
  sendSms = async (m: SmsMessage) => {
    this.sms.push(m);
    return this.result(m.messageId);
  };
  sendPush = async (m: PushMessage) => {
    this.pushes.push(m);
    return this.result(m.messageId);
  };
  get total() {
    return this.emails.length + this.sms.length + this.pushes.length + this.inbox.length;
  }
}

/** Send dependencies on memory fakes; `people` maps profileId → Recipient. */
export function memorySendDeps(options: { people?: Recipient[]; config?: ChannelsConfig; now?: Date } = {}) {
  const people = new Map((options.people ?? [recipient()]).map((r) => [r.profileId, r]));
  const pressure = new MemoryPressure();
  const ledger = new MemoryLedger(pressure);
  const suppressions = new MemorySuppressions();
  const reputation = new MemoryReputation();
  const providers = new RecordingProviders();
  const { metrics, counts } = memoryMetrics();
  const logs: { message: string; keys?: Record<string, unknown> }[] = [];
  let n = 0;
  const deps: SendDeps = {
    recipients: { getRecipient: async (id) => people.get(id) },
    hasher: testHasher,
    suppressions,
    pressure,
    ledger,
    reputation,
    email: { sendEmail: providers.sendEmail },
    sms: { sendSms: providers.sendSms },
    push: { sendPush: providers.sendPush },
    inbox: {
      put: async (m) => {
        providers.inbox.push(m);
      },
    },
    config: options.config ?? defaultChannelsConfig,
    unsubscribeSecret: SECRET,
    metrics,
    logger: {
      info: (message, keys) => logs.push({ message, keys }),
      warn: (message, keys) => logs.push({ message, keys }),
    },
    now: () => options.now ?? NOON_NY,
    newId: () => `m${String(++n).padStart(6, '0')}`,
  };
  return { deps, people, pressure, ledger, suppressions, reputation, providers, counts, logs };
}
