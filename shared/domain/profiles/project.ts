/**
 * The profile projection: resolves each raw event to a profile, applies it, commits with optimistic
 * concurrency (retrying on conflict) and publishes the domain events of what actually changed.
 */
import type { ProfilesConfig } from '../../config/profiles.js';
import type { DomainEvent, DomainEvents } from '../../ports/domain-events.js';
import type {
  ConsentRecord,
  MergeRecord,
  ProfileStore,
  RawEventEraser,
  StoredProfile,
} from '../../ports/profiles.js';
import type { NormalisedMessage } from '../ingest/schemas.js';
import { consentStatementsOf, grantsConsent } from './consent.js';
import { ProfileConflictError } from './errors.js';
import { contactOf, featuresOf } from './features.js';
import { type Identifier, identifiersOf } from './identifiers.js';
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

export interface ProjectDeps {
  readonly store: ProfileStore;
  readonly events: DomainEvents;
  readonly eraser: RawEventEraser;
  readonly config: ProfilesConfig;
  readonly now: () => Date;
  /** Attempts per event when a write races (default 8). */
  readonly maxAttempts?: number;
  /** Person groups projected at once (default 4). */
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
  readonly published: number;
}

type Outcome =
  | {
      readonly kind: 'changed';
      readonly profileId: string;
      readonly changes: readonly string[];
      readonly events: DomainEvent[];
      readonly merged: number;
      readonly refused: number;
    }
  | { readonly kind: 'unchanged' | 'tombstoned' | 'unidentifiable' };

/** Projects a batch of raw events; records that failed are returned by id, the rest are done. */
export async function projectEvents(
  deps: ProjectDeps,
  inputs: readonly ProjectionInput[],
): Promise<ProjectionReport> {
  const groups = new Map<string, ProjectionInput[]>();
  for (const input of inputs) {
    const list = groups.get(input.key.pk) ?? [];
    list.push(input);
    groups.set(input.key.pk, list);
  }
  const failed: string[] = [];
  const counts = { changed: 0, unchanged: 0, tombstoned: 0, unidentifiable: 0, merged: 0, refusedMerges: 0 };
  const domainEvents: DomainEvent[] = [];
  const updated = new Map<string, Set<string>>();

  const runGroup = async (group: ProjectionInput[]) => {
    group.sort(
      (a, b) =>
        a.message.timestamp.localeCompare(b.message.timestamp) ||
        a.message.messageId.localeCompare(b.message.messageId),
    );
    for (const input of group) {
      let outcome: Outcome;
      try {
        outcome = await projectOne(deps, input);
      } catch {
        failed.push(input.id);
        continue;
      }
      counts[outcome.kind]++;
      if (outcome.kind === 'changed') {
        counts.merged += outcome.merged;
        counts.refusedMerges += outcome.refused;
        domainEvents.push(...outcome.events);
        const set = updated.get(outcome.profileId) ?? new Set<string>();
        for (const c of outcome.changes) set.add(c);
        updated.set(outcome.profileId, set);
      }
    }
  };
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) await runGroup(group);
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 4, queue.length) }, worker));

  for (const [profileId, changed] of updated) {
    if (changed.size > 0)
      domainEvents.push({ type: 'ProfileUpdated', profileId, changed: [...changed].sort() });
  }
  if (domainEvents.length > 0) await deps.events.publish(domainEvents);
  return { failed, ...counts, published: domainEvents.length };
}

async function liveProfiles(store: ProfileStore, ids: Iterable<string>): Promise<Map<string, StoredProfile>> {
  const out = new Map<string, StoredProfile>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      const p = await store.getLiveProfile(id);
      if (p) out.set(id, p);
    }),
  );
  return out;
}

/** An alias's previousId is a userId when the index knows it as one, else an anonymousId. */
async function aliasIdentifiers(
  store: ProfileStore,
  message: NormalisedMessage,
  ids: readonly Identifier[],
): Promise<Identifier[]> {
  if (message.type !== 'alias' || message.previousId === undefined) return [...ids];
  const asUser: Identifier = { type: 'userId', value: message.previousId };
  const found = await store.lookupIdentifiers([asUser]);
  if (!found.has(idKey(asUser))) return [...ids];
  return [asUser, ...ids.filter((id) => !(id.type === 'anonymousId' && id.value === message.previousId))];
}

async function projectOne(deps: ProjectDeps, input: ProjectionInput): Promise<Outcome> {
  const { store, config } = deps;
  const message = input.message;
  const rank = (t: Identifier['type']) => config.identifierPriority.indexOf(t);
  const ids = (await aliasIdentifiers(store, message, identifiersOf(message, config).identifiers)).sort(
    (a, b) => rank(a.type) - rank(b.type),
  );
  if (ids.length === 0) return { kind: 'unidentifiable' };
  if ((await store.hasTombstone(ids)) && !grantsConsent(message, config)) {
    await deps.eraser.deleteRawEvent(input.key);
    return { kind: 'tombstoned' };
  }
  const maxAttempts = deps.maxAttempts ?? 8;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const pointers = await store.lookupIdentifiers(ids);
    const profiles = await liveProfiles(store, pointers.values());
    // Pointers to merged profiles resolve to their winner.
    const owners = new Map<string, string>();
    for (const [key, id] of pointers) {
      const live = profiles.get(id);
      if (live) owners.set(key, live.profileId);
    }
    const identities = new Map([...profiles.values()].map((p) => [p.profileId, p.state.identities]));
    const plan = planResolution(ids, owners, identities, config);

    let target: StoredProfile | undefined = [...profiles.values()].find((p) => p.profileId === plan.target);
    if (plan.create) target = await store.getLiveProfile(plan.target);
    const absorbed = plan.absorb.map((id) => [...profiles.values()].find((p) => p.profileId === id)!);
    const before = target?.state ?? emptyState();
    const merged = absorbed.reduce<ProfileState>((s, p) => mergeProfiles(s, p.state, config), before);
    const claims = plan.claims;
    const applied = applyEvent(withIdentities(merged, claims), message, config);
    const changes = changedFields(before, applied.profile);

    if (target && absorbed.length === 0 && claims.length === 0 && changes.length === 0) {
      if (applied.droppedTraits.length)
        await store.countDroppedTraits(applied.droppedTraits, message.messageId);
      return { kind: 'unchanged' };
    }

    const profileId = target?.profileId ?? plan.target;
    const now = deps.now().toISOString();
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

    const outcome = await store.commit({
      profile: {
        profileId,
        state: applied.profile,
        features: featuresOf(applied.profile),
        contact: contactOf(applied.profile),
        createdAt: target?.createdAt ?? now,
        updatedAt: now,
      },
      expectedVersion: target?.version,
      claims,
      absorbed: absorbed.map((p) => ({ profileId: p.profileId, version: p.version })),
      merges,
      consent,
    });
    if (!outcome.ok) continue;

    for (const p of absorbed) {
      const loserIds = Object.entries(p.state.identities).flatMap(([type, values]) =>
        values.map((value) => ({ type, value }) as Identifier),
      );
      await store.repointIdentifiers(loserIds, p.profileId, profileId);
    }
    if (applied.droppedTraits.length)
      await store.countDroppedTraits(applied.droppedTraits, message.messageId);
    return {
      kind: 'changed',
      profileId,
      changes,
      events: domainEventsOf(
        profileId,
        before,
        applied.profile,
        absorbed.map((p) => p.profileId),
        message,
        config,
      ),
      merged: absorbed.length,
      refused: plan.refused.length,
    };
  }
  throw new ProfileConflictError(`profile write raced ${maxAttempts} times`);
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
