/**
 * Identity resolution, in the manner of Segment Unify: which profile an event belongs to, which of its
 * identifiers that profile claims, and which profiles merge. Pure: the caller looks identifiers up.
 */
import type { IdentifierType, ProfilesConfig } from '../../config/profiles.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { type Identifier, profileIdFor } from './identifiers.js';
import type { Identities } from './state.js';

export const idKey = (id: Identifier) => `${id.type}:${id.value}`;

/** What to do with an event's identifiers. */
export interface ResolutionPlan {
  /** Profile the event is applied to. */
  readonly target: string;
  /** Whether `target` is a new profile id (nothing points at it yet). */
  readonly create: boolean;
  /** Profiles merged into `target`. */
  readonly absorb: readonly string[];
  /** Identifiers `target` claims in the index. */
  readonly claims: readonly Identifier[];
  /** Profiles the event also names but that may not merge, and the limits a merge would break. */
  readonly refused: readonly { readonly profileId: string; readonly limitTypes: readonly IdentifierType[] }[];
}

function counts(sets: readonly Identities[], extra: readonly Identifier[]): Map<IdentifierType, Set<string>> {
  const out = new Map<IdentifierType, Set<string>>();
  const add = (type: IdentifierType, value: string) => {
    if (!out.has(type)) out.set(type, new Set());
    out.get(type)!.add(value);
  };
  for (const s of sets)
    for (const [type, values] of Object.entries(s)) for (const v of values) add(type as IdentifierType, v);
  for (const id of extra) add(id.type, id.value);
  return out;
}

function exceeded(
  sets: readonly Identities[],
  extra: readonly Identifier[],
  config: ProfilesConfig,
): IdentifierType[] {
  const out: IdentifierType[] = [];
  for (const [type, values] of counts(sets, extra)) {
    if (values.size > config.identifierLimits[type]) out.push(type);
  }
  return out.sort();
}

/** The identifiers (strongest first) that fit into a profile's limits. */
function fitting(
  ids: readonly Identifier[],
  owned: Identities | undefined,
  config: ProfilesConfig,
): Identifier[] {
  const taken = counts(owned ? [owned] : [], []);
  const out: Identifier[] = [];
  for (const id of ids) {
    const set = taken.get(id.type) ?? new Set<string>();
    if (set.has(id.value)) continue;
    if (set.size >= config.identifierLimits[id.type]) continue;
    set.add(id.value);
    taken.set(id.type, set);
    out.push(id);
  }
  return out;
}

/**
 * Plans resolution for identifiers (strongest first, non-empty) given the live profile each owned
 * identifier points at and the identities of those profiles. `hasher` names a new profile
 * (profileIdFor).
 *
 * - none owned → a new profile named after the strongest identifier;
 * - all named profiles plus the new identifiers fit the limits → merge into the owner of the strongest
 *   owned identifier and claim the new ones;
 * - otherwise → the event goes to the profile of its strongest identifier (new if unowned and the
 *   strongest owner cannot take it), which claims what fits; the other merges are refused.
 */
export function planResolution(
  ids: readonly Identifier[],
  owners: ReadonlyMap<string, string>,
  identities: ReadonlyMap<string, Identities>,
  config: ProfilesConfig,
  hasher: Pick<KeyedHasher, 'hash'>,
): ResolutionPlan {
  const strongest = ids[0]!;
  const found: string[] = [];
  for (const id of ids) {
    const owner = owners.get(idKey(id));
    if (owner !== undefined && !found.includes(owner)) found.push(owner);
  }
  const unowned = ids.filter((id) => !owners.has(idKey(id)));
  if (found.length === 0) {
    return {
      target: profileIdFor(strongest, hasher),
      create: true,
      absorb: [],
      claims: fitting(unowned, undefined, config),
      refused: [],
    };
  }
  const sets = found.map((p) => identities.get(p)).filter((s): s is Identities => s !== undefined);
  const winner = found[0]!;
  const breaks = exceeded(sets, unowned, config);
  if (breaks.length === 0) {
    return { target: winner, create: false, absorb: found.slice(1), claims: unowned, refused: [] };
  }
  const refusedOf = (others: readonly string[]) =>
    others.map((profileId) => ({ profileId, limitTypes: breaks }));
  const winnerIds = identities.get(winner);
  if (owners.has(idKey(strongest)) || fitting([strongest], winnerIds, config).length === 1) {
    return {
      target: winner,
      create: false,
      absorb: [],
      claims: fitting(unowned, winnerIds, config),
      refused: refusedOf(found.slice(1)),
    };
  }
  return {
    target: profileIdFor(strongest, hasher),
    create: true,
    absorb: [],
    claims: fitting(unowned, undefined, config),
    refused: refusedOf(found),
  };
}
