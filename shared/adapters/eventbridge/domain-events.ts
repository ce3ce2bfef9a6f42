/**
 * DomainEvents on EventBridge: PutEvents on the bus named by `EVENT_BUS_NAME`, source
 * `feltfit.profiles`. Every event but `ProfileUpdated` is one entry whose detail type is the event's
 * type and whose detail is the event without its type, so an outbox event's `eventId` travels in it
 * (consumers deduplicate by it). `ProfileUpdated` events are grouped: EventBridge bills an entry per
 * 64 KB, and a stream batch's hundred profile commits carry a hundred small ProfileUpdated events, so
 * they go as few `ProfilesUpdated` entries, each ≤ 64 KB, detail `{ profiles: [{ profileId, changed,
 * eventId }] }`. Calls hold ≤ 10 entries and ≤ 256 KB. Entries EventBridge reports as failed are
 * retried with backoff; what still fails is thrown.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DomainEventsPublishError } from '../../domain/profiles/errors.js';
import type { DomainEvent, DomainEvents, OutboxEvent } from '../../ports/domain-events.js';
import { awsClient } from '../aws/clients.js';

export const PROFILES_SOURCE = 'feltfit.profiles';
/** Detail type of the grouped ProfileUpdated entry. */
export const PROFILES_UPDATED = 'ProfilesUpdated';
/** EventBridge bills each started 64 KB of an entry as one event. */
export const BILLED_ENTRY_BYTES = 64 * 1024;
/** Limits of one PutEvents call. */
const MAX_CALL_ENTRIES = 10;
const MAX_CALL_BYTES = 256 * 1024;

export interface EventBridgeOptions {
  readonly client?: EventBridgeClient;
  readonly eventBusName: string;
  readonly source?: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** EventBridge implementation of DomainEvents. */
export class EventBridgeDomainEvents implements DomainEvents {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgeOptions) {
    this.client = options.client ?? awsClient(EventBridgeClient, 'eventbridge');
  }

  /** Publishes events (ProfileUpdated grouped, OutboxEvents with their `eventId` in the detail). */
  async publish(events: readonly (DomainEvent | OutboxEvent)[]): Promise<void> {
    await putEntries(
      this.client,
      domainEventEntries(events, this.options.eventBusName, this.options.source),
      this.options,
    );
  }
}

const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** An entry's size as EventBridge counts it (source, detail type, detail, resources; time 14 bytes). */
export function entrySize(entry: PutEventsRequestEntry): number {
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

/** How many events EventBridge bills for an entry. */
export const billedEvents = (entry: PutEventsRequestEntry) =>
  Math.max(1, Math.ceil(entrySize(entry) / BILLED_ENTRY_BYTES));

/**
 * The PutEvents entries of a list of events, in order, with the ProfileUpdated events grouped into
 * ProfilesUpdated entries of ≤ 64 KB after them (a single update larger than that goes alone).
 */
export function domainEventEntries(
  events: readonly (DomainEvent | OutboxEvent)[],
  eventBusName: string,
  source = PROFILES_SOURCE,
): PutEventsRequestEntry[] {
  const entry = (DetailType: string, Detail: string): PutEventsRequestEntry => ({
    EventBusName: eventBusName,
    Source: source,
    DetailType,
    Detail,
  });
  const entries: PutEventsRequestEntry[] = [];
  const updates: string[] = [];
  for (const event of events) {
    if (event.type === 'ProfileUpdated') {
      const { profileId, changed } = event;
      const eventId = 'eventId' in event ? event.eventId : undefined;
      updates.push(
        JSON.stringify(eventId === undefined ? { profileId, changed } : { profileId, changed, eventId }),
      );
      continue;
    }
    const { type, ...detail } = event;
    entries.push(entry(type, JSON.stringify(detail)));
  }
  const open = '{"profiles":[';
  const close = ']}';
  const budget = BILLED_ENTRY_BYTES - entrySize(entry(PROFILES_UPDATED, open + close));
  let group: string[] = [];
  let size = 0;
  const flush = () => {
    if (group.length > 0) entries.push(entry(PROFILES_UPDATED, `${open}${group.join(',')}${close}`));
    group = [];
    size = 0;
  };
  for (const u of updates) {
    if (group.length > 0 && size + 1 + bytes(u) > budget) flush();
    size += bytes(u) + (group.length > 0 ? 1 : 0);
    group.push(u);
  }
  flush();
  return entries;
}

/**
 * Puts entries in calls of ≤ 10 entries and ≤ 256 KB; entries EventBridge reports as failed are
 * retried with backoff, and what still fails after `maxAttempts` is thrown (DomainEventsPublishError).
 */
export async function putEntries(
  client: Pick<EventBridgeClient, 'send'>,
  entries: readonly PutEventsRequestEntry[],
  options: Pick<EventBridgeOptions, 'maxAttempts' | 'sleep'> = {},
): Promise<void> {
  let call: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const e of entries) {
    const s = entrySize(e);
    if (call.length === MAX_CALL_ENTRIES || (call.length > 0 && size + s > MAX_CALL_BYTES)) {
      await putChunk(client, call, options);
      call = [];
      size = 0;
    }
    call.push(e);
    size += s;
  }
  if (call.length > 0) await putChunk(client, call, options);
}

async function putChunk(
  client: Pick<EventBridgeClient, 'send'>,
  chunk: PutEventsRequestEntry[],
  options: Pick<EventBridgeOptions, 'maxAttempts' | 'sleep'>,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const out = await client.send(new PutEventsCommand({ Entries: pending }));
    if (!out.FailedEntryCount) return;
    // Result entries are positional: an ErrorCode marks the entry at the same index as failed.
    const results = out.Entries ?? [];
    pending = pending.filter((_, j) => results[j]?.ErrorCode !== undefined || results[j] === undefined);
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      const codes = [...new Set(results.map((r) => r.ErrorCode).filter((c) => c !== undefined))].join(', ');
      throw new DomainEventsPublishError(
        `EventBridge rejected ${pending.length} events after ${attempt} attempts (${codes})`,
      );
    }
    await sleep(Math.min(2_000, 50 * 2 ** (attempt - 1)));
  }
}
