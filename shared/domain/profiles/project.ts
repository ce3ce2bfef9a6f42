/**
 * The profile projection, folded per person per batch. The batch's events are grouped into people
 * (identifiers that occur together, or that the identity index maps to one profile), and each
 * person's events are applied one at a time, in event-time order, to an in-memory view of the store
 * (identity index, profiles). Each touched profile is then committed once, with optimistic
 * concurrency, carrying the domain events of what changed in its outbox. A commit is made earlier
 * only when resolution forces it: a profile changed in this batch that another one absorbs is
 * committed first, so the merge conditions on what is stored. The result equals projecting the
 * events one at a time; a conflict re-runs the person from fresh reads.
 */
import type { ProfilesConfig } from '../../config/profiles.js';
import type { DomainEvent, OutboxEvent } from '../../ports/domain-events.js';
import type {
  ConsentRecord,
  MergeRecord,
  ProfileStore,
  RawEventEraser,
  ReadOptions,
  StoredProfile,
} from '../../ports/profiles.js';
import type { NormalisedMessage } from '../ingest/schemas.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { consentStatementsOf, grantsConsent } from './consent.js';
import { ProfileConflictError } from './errors.js';
import { contactOf, featuresOf } from './features.js';
import { type Identifier, identifiersOf } from './identifiers.js';
import { outboxEventOf, profileUpdatedEvent } from './outbox.js';
import { idKey, planResolution } from './resolve.js';
import {
  applyEvent,
  cartHolds,
  changedFields,
  emptyState,
  HESITATION_SIGNALS,
  mergeProfiles,
  type ProfileState,
  viewedProductOf,
  withIdentities,
} from './state.js';

/** One raw event to project, with the id its stream record is reported by. */
export interface ProjectionInput {
  readonly id: string;
  readonly message: NormalisedMessage;
  /** Key of the raw event item (deleted when the person is tombstoned). */
  readonly key: { readonly pk: string; readonly sk: string };
}

/** What the projector needs; it publishes nothing itself (the outbox publisher does). */
export interface ProjectDeps {
  readonly store: ProfileStore;
  readonly eraser: RawEventEraser;
  readonly config: ProfilesConfig;
  /** The identity hash keyring (the store's): names new profiles, keyed (profileIdFor). */
  readonly hasher: Pick<KeyedHasher, 'hash'>;
  readonly now: () => Date;
  /** Attempts per person when a write races (default 8). */
  readonly maxAttempts?: number;
  /** People projected at once (default 16: the work is waiting on DynamoDB). */
  readonly concurrency?: number;
}

/** Counts only: safe to log. */
export interface ProjectionReport {
  readonly failed: readonly string[];
  readonly changed: number;
  readonly unchanged: number;
  readonly tombstoned: number;
  readonly unidentifiable: number;
  readonly merged: number;
  readonly refusedMerges: number;
  /** Domain events written to outboxes. */
  readonly published: number;
  /** Profile commits made. */
  readonly commits: number;
}

/** Items of one transaction at most (DynamoDB allows 100): a profile commits early beyond it. */
const MAX_COMMIT_ITEMS = 90;
/** Outbox events of one commit at most (keeps the item far below 400 KB). */
const MAX_OUTBOX_EVENTS = 500;

type Counts = {
  changed: number;
  unchanged: number;
  tombstoned: number;
  unidentifiable: number;
  merged: number;
  refusedMerges: number;
  published: number;
  commits: number;
};
const zero = (): Counts => ({
  changed: 0,
  unchanged: 0,
  tombstoned: 0,
  unidentifiable: 0,
  merged: 0,
  refusedMerges: 0,
  published: 0,
  commits: 0,
});

/** Projects a batch of raw events; records that failed are returned by id, the rest are done. */
export async function projectEvents(
  deps: ProjectDeps,
  inputs: readonly ProjectionInput[],
): Promise<ProjectionReport> {
  const counts = zero();
  const failed: string[] = [];
  const people = await groupByPerson(deps, inputs, counts);
  const queue = [...people];
  const worker = async () => {
    for (let person = queue.shift(); person; person = queue.shift()) {
      try {
        const c = await projectPerson(deps, person);
        for (const k of Object.keys(c) as (keyof Counts)[]) counts[k] += c[k];
      } catch {
        // Nothing of this person's batch is lost: the records are retried and projection is idempotent.
        failed.push(...person.events.map((e) => e.input.id));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 16, queue.length) }, worker));
  return { failed, ...counts };
}

interface PersonEvent {
  readonly input: ProjectionInput;
  /** The message's identifiers, strongest first (an alias's previousId as an anonymousId). */
  readonly ids: readonly Identifier[];
}

/** One person's events of the batch, and what the batch read about them up front. */
interface Person {
  readonly events: readonly PersonEvent[];
  readonly seed: Seed;
}

/** Reads shared by the batch's people (eventually consistent; a conflict re-reads consistently). */
interface Seed {
  readonly pointers: ReadonlyMap<string, string>;
  readonly asked: ReadonlySet<string>;
  readonly profiles: ReadonlyMap<string, StoredProfile>;
  readonly tombstoned: ReadonlySet<string>;
}

const rankOf = (config: ProfilesConfig) => (t: Identifier['type']) => config.identifierPriority.indexOf(t);

/** The userId reading of an alias's previousId (used when the index knows it as one). */
function aliasUser(message: NormalisedMessage): Identifier | undefined {
  return message.type === 'alias' && message.previousId !== undefined
    ? { type: 'userId', value: message.previousId }
    : undefined;
}

/**
 * Groups the batch into people: events sharing an identifier, or whose identifiers the index maps
 * to one live profile, are one person. One read of the index, the live profiles and the tombstones
 * serves the whole batch.
 */
async function groupByPerson(
  deps: ProjectDeps,
  inputs: readonly ProjectionInput[],
  counts: Counts,
): Promise<Person[]> {
  const { store, config } = deps;
  const events: PersonEvent[] = [];
  for (const input of inputs) {
    const ids = identifiersOf(input.message, config).identifiers;
    if (ids.length === 0) counts.unidentifiable++;
    else events.push({ input, ids });
  }
  if (events.length === 0) return [];
  const all = new Map<string, Identifier>();
  for (const e of events) {
    for (const id of e.ids) all.set(idKey(id), id);
    const asUser = aliasUser(e.input.message);
    if (asUser) all.set(idKey(asUser), asUser);
  }
  const eventual: ReadOptions = { consistent: false };
  const [pointers, tombstoned] = await Promise.all([
    store.lookupIdentifiers([...all.values()], eventual),
    store.tombstonedIdentifiers([...all.values()]),
  ]);
  const profiles = await store.getLiveProfiles([...new Set(pointers.values())], eventual);

  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const e of events) {
    const keys = e.ids.map(idKey);
    const asUser = aliasUser(e.input.message);
    if (asUser) keys.push(idKey(asUser));
    for (const k of keys) {
      union(keys[0]!, k);
      const owner = pointers.get(k);
      const live = owner === undefined ? undefined : (profiles.get(owner)?.profileId ?? owner);
      if (live !== undefined) union(k, `profile:${live}`);
    }
  }
  const byRoot = new Map<string, PersonEvent[]>();
  for (const e of events) {
    const root = find(idKey(e.ids[0]!));
    const list = byRoot.get(root) ?? [];
    list.push(e);
    byRoot.set(root, list);
  }
  const seed: Seed = { pointers, asked: new Set(all.keys()), profiles, tombstoned };
  return [...byRoot.values()].map((list) => ({
    events: list.sort(
      (a, b) =>
        a.input.message.timestamp.localeCompare(b.input.message.timestamp) ||
        a.input.message.messageId.localeCompare(b.input.message.messageId),
    ),
    seed,
  }));
}

/** A profile as this batch sees it: as stored, plus what the batch has applied and not committed. */
interface Entry {
  readonly profileId: string;
  /** Version stored; undefined while the profile exists only in this batch. */
  version: number | undefined;
  state: ProfileState;
  createdAt: string;
  mergedInto?: string;
  dirty: boolean;
  claims: Identifier[];
  absorbed: { readonly profileId: string; readonly version: number }[];
  merges: MergeRecord[];
  consent: ConsentRecord[];
  events: OutboxEvent[];
  changes: Set<string>;
}

/** A commit of this person's projection raced another writer: re-run the person from fresh reads. */
class RaceError extends Error {
  override readonly name = 'RaceError';
}

/**
 * The store as one person's projection sees it: reads are cached (seeded from the batch's reads),
 * writes are kept per profile until committed.
 */
class View {
  private readonly pointers = new Map<string, string | null>();
  private readonly entries = new Map<string, Entry | null>();
  private readonly seed: Seed | undefined;
  readonly repoints: { ids: Identifier[]; from: string; to: string }[] = [];
  published = 0;
  commits = 0;

  constructor(
    private readonly deps: ProjectDeps,
    private readonly read: ReadOptions,
    seed: Seed | undefined,
  ) {
    this.seed = seed;
    if (!seed) return;
    for (const key of seed.asked) this.pointers.set(key, seed.pointers.get(key) ?? null);
    for (const id of seed.pointers.values()) if (!seed.profiles.has(id)) this.entries.set(id, null);
    for (const [asked, p] of seed.profiles) {
      this.entries.set(p.profileId, entryOf(p));
      // A pointer at a merged profile: the merge hop is known, the loser's own state is not needed.
      if (asked !== p.profileId)
        this.entries.set(asked, { ...entryOf(p), profileId: asked, mergedInto: p.profileId });
    }
  }

  async tombstoned(ids: readonly Identifier[]): Promise<boolean> {
    const seed = this.seed;
    if (seed && ids.every((id) => seed.asked.has(idKey(id))))
      return ids.some((id) => seed.tombstoned.has(idKey(id)));
    return this.deps.store.hasTombstone(ids);
  }

  async lookup(ids: readonly Identifier[]): Promise<Map<string, string>> {
    const missing = ids.filter((id) => !this.pointers.has(idKey(id)));
    if (missing.length > 0) {
      const found = await this.deps.store.lookupIdentifiers(missing, this.read);
      for (const id of missing) this.pointers.set(idKey(id), found.get(idKey(id)) ?? null);
    }
    const out = new Map<string, string>();
    for (const id of ids) {
      const p = this.pointers.get(idKey(id));
      if (p) out.set(idKey(id), p);
    }
    return out;
  }

  point(ids: readonly Identifier[], profileId: string) {
    for (const id of ids) this.pointers.set(idKey(id), profileId);
  }

  private async entry(profileId: string): Promise<Entry | undefined> {
    if (!this.entries.has(profileId)) {
      const p = await this.deps.store.getProfile(profileId, this.read);
      this.entries.set(profileId, p ? entryOf(p) : null);
    }
    return this.entries.get(profileId) ?? undefined;
  }

  /** The live entry of a profile id (following merges), if any. */
  async live(profileId: string): Promise<Entry | undefined> {
    let id = profileId;
    for (let hop = 0; hop <= 10; hop++) {
      const e = await this.entry(id);
      if (!e?.mergedInto) return e;
      id = e.mergedInto;
    }
    throw new ProfileConflictError('merge pointers form a chain longer than expected');
  }

  /**
   * The profile a resolution names for creation. Its id is new to the batch's reads (no pointer
   * names it), so on the seeded first attempt it is taken as absent without a read: the create is
   * conditional on the item not existing, and if it does exist after all (a pointer the eventually
   * consistent read missed) the commit conflicts and the person is re-run, reading it.
   */
  async creating(profileId: string): Promise<Entry | undefined> {
    if (this.seed && !this.entries.has(profileId)) {
      this.entries.set(profileId, null);
      return undefined;
    }
    return this.live(profileId);
  }

  /** A profile that exists only in this batch so far. */
  create(profileId: string, createdAt: string): Entry {
    const e: Entry = { ...blank(profileId, emptyState(), createdAt), version: undefined };
    this.entries.set(profileId, e);
    return e;
  }

  dirtyEntries(): Entry[] {
    return [...this.entries.values()].filter((e): e is Entry => e?.dirty === true);
  }

  /** Commits an entry's pending writes; a race throws RaceError (the person is re-run). */
  async flush(e: Entry): Promise<void> {
    if (!e.dirty) return;
    const version = (e.version ?? 0) + 1;
    const outbox = [...e.events];
    if (e.changes.size > 0) outbox.push(profileUpdatedEvent(e.profileId, version, [...e.changes]));
    const outcome = await this.deps.store.commit({
      profile: {
        profileId: e.profileId,
        state: e.state,
        features: featuresOf(e.state),
        contact: contactOf(e.state),
        createdAt: e.createdAt,
        updatedAt: this.deps.now().toISOString(),
      },
      expectedVersion: e.version,
      claims: e.claims,
      absorbed: e.absorbed,
      merges: e.merges,
      consent: e.consent,
      outbox,
    });
    if (!outcome.ok) throw new RaceError('profile write raced');
    this.commits++;
    this.published += outbox.length;
    for (const loser of e.absorbed) {
      const r = this.repoints.find((x) => x.from === loser.profileId);
      if (r) await this.deps.store.repointIdentifiers(r.ids, r.from, r.to);
    }
    Object.assign(e, blank(e.profileId, e.state, e.createdAt), { version: outcome.version });
  }
}

function blank(profileId: string, state: ProfileState, createdAt: string): Omit<Entry, 'version'> {
  return {
    profileId,
    state,
    createdAt,
    dirty: false,
    claims: [],
    absorbed: [],
    merges: [],
    consent: [],
    events: [],
    changes: new Set(),
  };
}

function entryOf(p: StoredProfile): Entry {
  return {
    ...blank(p.profileId, p.state, p.createdAt),
    version: p.version,
    ...(p.mergedInto ? { mergedInto: p.mergedInto } : {}),
  };
}

const itemsOf = (e: Entry) => 1 + e.claims.length + e.absorbed.length + e.merges.length + e.consent.length;

/** Projects one person's events, re-running from consistent reads when a commit races. */
async function projectPerson(deps: ProjectDeps, person: Person): Promise<Counts> {
  const maxAttempts = deps.maxAttempts ?? 8;
  let published = 0;
  let commits = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const view = new View(deps, { consistent: attempt > 1 }, attempt === 1 ? person.seed : undefined);
    const counts = zero();
    const dropped: { names: readonly string[]; messageId: string }[] = [];
    try {
      for (const e of person.events) await projectOne(deps, view, e, counts, dropped);
      for (const e of view.dirtyEntries()) await view.flush(e);
      for (const d of dropped) await deps.store.countDroppedTraits(d.names, d.messageId);
      return { ...counts, published: published + view.published, commits: commits + view.commits };
    } catch (err) {
      // What was committed before the race stays committed; its events are in its outbox.
      published += view.published;
      commits += view.commits;
      if (!(err instanceof RaceError)) throw err;
    }
  }
  throw new ProfileConflictError(`profile write raced ${maxAttempts} times`);
}

/** An alias's previousId is a userId when the index knows it as one, else an anonymousId. */
async function aliasIdentifiers(
  view: View,
  message: NormalisedMessage,
  ids: readonly Identifier[],
): Promise<Identifier[]> {
  const asUser = aliasUser(message);
  if (!asUser) return [...ids];
  const found = await view.lookup([asUser]);
  if (!found.has(idKey(asUser))) return [...ids];
  return [asUser, ...ids.filter((id) => !(id.type === 'anonymousId' && id.value === message.previousId))];
}

/** Applies one event to the view, exactly as projecting it alone against the store would. */
async function projectOne(
  deps: ProjectDeps,
  view: View,
  event: PersonEvent,
  counts: Counts,
  dropped: { names: readonly string[]; messageId: string }[],
): Promise<void> {
  const { config } = deps;
  const { message } = event.input;
  const rank = rankOf(config);
  const ids = (await aliasIdentifiers(view, message, event.ids)).sort((a, b) => rank(a.type) - rank(b.type));
  if ((await view.tombstoned(ids)) && !grantsConsent(message, config)) {
    await deps.eraser.deleteRawEvent(event.input.key);
    counts.tombstoned++;
    return;
  }
  const pointers = await view.lookup(ids);
  const profiles = new Map<string, Entry>();
  for (const id of new Set(pointers.values())) {
    const live = await view.live(id);
    if (live) profiles.set(id, live);
  }
  // Pointers to merged profiles resolve to their winner.
  const owners = new Map<string, string>();
  for (const [key, id] of pointers) {
    const live = profiles.get(id);
    if (live) owners.set(key, live.profileId);
  }
  const liveById = new Map([...profiles.values()].map((p) => [p.profileId, p]));
  const identities = new Map([...liveById.values()].map((p) => [p.profileId, p.state.identities]));
  const plan = planResolution(ids, owners, identities, config, deps.hasher);

  let target = liveById.get(plan.target);
  if (plan.create) target = await view.creating(plan.target);
  const absorbed = plan.absorb.map((id) => liveById.get(id)!);
  const before = target?.state ?? emptyState();
  const merged = absorbed.reduce<ProfileState>((s, p) => mergeProfiles(s, p.state, config), before);
  const claims = plan.claims;
  const applied = applyEvent(withIdentities(merged, claims), message, config);
  const changes = changedFields(before, applied.profile);
  if (applied.droppedTraits.length)
    dropped.push({ names: applied.droppedTraits, messageId: message.messageId });

  if (target && absorbed.length === 0 && claims.length === 0 && changes.length === 0) {
    counts.unchanged++;
    return;
  }

  // A merge conditions on the loser as stored: what this batch changed on it is committed first.
  for (const loser of absorbed) await view.flush(loser);
  const profileId = target?.profileId ?? plan.target;
  const at = message.timestamp;
  const merges: MergeRecord[] = [
    ...absorbed.map((p) => ({
      winner: profileId,
      loser: p.profileId,
      messageId: message.messageId,
      at,
      outcome: 'merged' as const,
    })),
    ...plan.refused.map((r) => ({
      winner: profileId,
      loser: r.profileId,
      messageId: message.messageId,
      at,
      outcome: 'refused' as const,
      limitTypes: r.limitTypes,
    })),
  ];
  const statements = consentStatementsOf(message, config).filter(
    (s) => s.source !== 'context' || merged.consent[`${s.channel}:${s.purpose}`]?.v.granted !== s.granted,
  );
  const consent: ConsentRecord[] =
    statements.length > 0 ? [{ profileId, messageId: message.messageId, at, changes: statements }] : [];

  let entry = target ?? view.create(profileId, deps.now().toISOString());
  const adds = claims.length + absorbed.length + merges.length + consent.length;
  if (entry.dirty && (itemsOf(entry) + adds > MAX_COMMIT_ITEMS || entry.events.length >= MAX_OUTBOX_EVENTS)) {
    await view.flush(entry);
    entry = (await view.live(profileId))!;
  }
  const events = domainEventsOf(
    profileId,
    before,
    applied.profile,
    absorbed.map((p) => p.profileId),
    message,
    config,
  );
  entry.state = applied.profile;
  entry.dirty = true;
  entry.claims.push(...claims);
  entry.absorbed.push(...absorbed.map((p) => ({ profileId: p.profileId, version: p.version! })));
  entry.merges.push(...merges);
  entry.consent.push(...consent);
  entry.events.push(...events.map((e) => outboxEventOf(e, message.messageId)));
  for (const c of changes) entry.changes.add(c);
  view.point(claims, profileId);
  for (const p of absorbed) {
    const loserIds = Object.entries(p.state.identities).flatMap(([type, values]) =>
      values.map((value) => ({ type, value }) as Identifier),
    );
    p.mergedInto = profileId;
    view.point(loserIds, profileId);
    view.repoints.push({ ids: loserIds, from: p.profileId, to: profileId });
  }
  counts.changed++;
  counts.merged += absorbed.length;
  counts.refusedMerges += plan.refused.length;
}

/**
 * The product of a repeated view: this message is a `Product Viewed` later than, and within
 * `browseRepeatHours` of, the person's previous view of the same product, which is in none of
 * their carts. Replays and out-of-order (older) views emit nothing.
 */
function browseAbandoned(
  before: ProfileState,
  after: ProfileState,
  message: NormalisedMessage,
  config: ProfilesConfig,
): string | undefined {
  if (message.type !== 'track' || message.event !== 'Product Viewed') return undefined;
  const productId = viewedProductOf(message.properties ?? {});
  if (productId === undefined) return undefined;
  const previous = before.viewedProducts[productId];
  const now = after.viewedProducts[productId];
  if (previous === undefined || now === undefined || now <= previous) return undefined;
  if (now - previous > config.browseRepeatHours * 3_600_000) return undefined;
  return cartHolds(after, productId) ? undefined : productId;
}

/** Domain events for what a projection changed (nothing for a replay). */
export function domainEventsOf(
  profileId: string,
  before: ProfileState,
  after: ProfileState,
  absorbed: readonly string[],
  message: NormalisedMessage,
  config: ProfilesConfig,
): DomainEvent[] {
  const events: DomainEvent[] = absorbed.map((loser) => ({
    type: 'ProfilesMerged',
    winner: profileId,
    loser,
  }));
  for (const [orderId, order] of Object.entries(after.orders)) {
    if (before.orders[orderId] === undefined && order.m === message.messageId) {
      events.push({
        type: 'OrderCompleted',
        profileId,
        orderId,
        revenue: order.v.revenue,
        orderCount: Object.keys(after.orders).length,
        ...(order.v.cartId !== undefined ? { cartId: order.v.cartId } : {}),
      });
    }
  }
  const checkout = after.checkout;
  if (checkout && checkout.m === message.messageId && before.checkout?.m !== checkout.m) {
    const windowStart = checkout.t - config.hesitationWindowHours * 3_600_000;
    const hesitation: Record<string, string> = {};
    for (const signal of HESITATION_SIGNALS) {
      const t = after.hesitation[signal];
      if (t !== undefined && t >= windowStart && t <= checkout.t)
        hesitation[signal] = new Date(t).toISOString();
    }
    events.push({
      type: 'CheckoutStarted',
      profileId,
      ...(checkout.v.cartId !== undefined ? { cartId: checkout.v.cartId } : {}),
      ...(checkout.v.value !== undefined ? { value: checkout.v.value } : {}),
      hesitation,
    });
  }
  if (after.csat && after.csat.m === message.messageId && before.csat?.m !== after.csat.m) {
    const props = message.properties ?? {};
    const ticket = props.ticket_id ?? props.ticketId;
    events.push({
      type: 'CsatSubmitted',
      profileId,
      score: after.csat.v,
      ...(typeof ticket === 'string' || typeof ticket === 'number' ? { ticketId: String(ticket) } : {}),
    });
  }
  for (const [ticketId, ticket] of Object.entries(after.tickets)) {
    const was = before.tickets[ticketId]?.status?.v;
    if (ticket.status?.v === 'resolved' && was !== 'resolved') {
      events.push({ type: 'TicketResolved', profileId, ticketId });
    }
    if (ticket.status?.v === 'open' && was === 'resolved') {
      events.push({ type: 'TicketReopened', profileId, ticketId });
    }
  }
  const browsed = browseAbandoned(before, after, message, config);
  if (browsed) events.push({ type: 'BrowseAbandoned', profileId, productId: browsed });
  for (const [key, reg] of Object.entries(after.consent)) {
    if (before.consent[key]?.v.granted !== reg.v.granted) {
      const [channel, purpose] = key.split(':') as [never, never];
      events.push({ type: 'ConsentChanged', profileId, channel, purpose, granted: reg.v.granted });
    }
  }
  // What the customer did carries when they did it (see DomainEvent); a merge is the projector's own.
  return events.map((e) => (e.type === 'ProfilesMerged' ? e : { ...e, occurredAt: message.timestamp }));
}
