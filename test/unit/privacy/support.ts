/** In-memory fakes of the privacy ports. */
import { emptyState, type ProfileState } from '../../../shared/domain/profiles/state.js';
import type {
  ErasureAudit,
  ErasureRecord,
  Person,
  PersonalDataHolder,
  PersonDirectory,
} from '../../../shared/ports/privacy.js';
import type { PrivacyJob, PrivacyJobRunner, PrivacyJobStore } from '../../../shared/ports/privacy-jobs.js';
import type { Identifier, ProfileItem, StoredProfile } from '../../../shared/ports/profiles.js';

/** A stored profile with the given identities (other state empty unless given). */
export function profile(
  profileId: string,
  identities: Partial<ProfileState['identities']>,
  extra: Partial<ProfileState> & { mergedInto?: string } = {},
): StoredProfile {
  const { mergedInto, ...state } = extra;
  const base = emptyState();
  return {
    profileId,
    version: 1,
    createdAt: '2024-05-01T00:00:00.000Z',
    updatedAt: '2024-05-02T00:00:00.000Z',
    state: { ...base, ...state, identities: { ...base.identities, ...identities } },
    ...(mergedInto ? { mergedInto } : {}),
  };
}

/** A directory over a list of profiles and merge records (`[winner, loser, outcome]`). */
export function memoryDirectory(
  profiles: StoredProfile[],
  merges: [string, string, 'merged' | 'refused'][] = [],
): PersonDirectory & { profiles: Map<string, StoredProfile> } {
  const byId = new Map(profiles.map((p) => [p.profileId, p]));
  const live = async (id: string) => {
    let p = byId.get(id);
    while (p?.mergedInto) p = byId.get(p.mergedInto);
    return p;
  };
  return {
    profiles: byId,
    getProfile: async (id) => byId.get(id),
    getLiveProfile: live,
    findByIdentifier: async (type, value) => {
      const owner = [...byId.values()].find((p) => !p.mergedInto && p.state.identities[type].includes(value));
      return owner ? live(owner.profileId) : undefined;
    },
    listProfileItems: async (id) => {
      if (!byId.has(id)) return [];
      const items: ProfileItem[] = [{ pk: `PROFILE#${id}`, sk: 'PROFILE', profileId: id }];
      for (const [winner, loser, outcome] of merges) {
        if (winner === id)
          items.push({ pk: `PROFILE#${id}`, sk: `MERGE#t#m#${loser}`, winner, loser, outcome });
      }
      return items;
    },
  };
}

/** A holder that records calls; `fail` makes erase throw once. */
export function recordingHolder(name: string, log: string[], data: unknown = { name }, count = 2) {
  const holder: PersonalDataHolder & { fail: boolean; erased: Person[] } = {
    name,
    fail: false,
    erased: [],
    export: async () => data,
    erase: async (person) => {
      log.push(`erase:${name}`);
      if (holder.fail) {
        holder.fail = false;
        throw new Error(`${name} unavailable`);
      }
      holder.erased.push(person);
      return count;
    },
  };
  return holder;
}

/** Audit records kept in a map, every put logged. */
export function memoryAudit(log: string[] = []): ErasureAudit & { records: Map<string, ErasureRecord> } {
  const records = new Map<string, ErasureRecord>();
  return {
    records,
    put: async (rs) => {
      for (const r of rs) records.set(r.profileIdHash, r);
      log.push(`audit:${rs[0]?.status}`);
    },
    get: async (hash) => records.get(hash),
  };
}

/** Tombstones kept in a list. */
export function memoryTombstones(log: string[] = []) {
  const ids: Identifier[] = [];
  return {
    ids,
    putTombstones: async (list: readonly Identifier[]) => {
      ids.push(...list);
      log.push('tombstones');
    },
  };
}

/** Privacy jobs and export parts kept in maps; `started` records what the runner was asked to start. */
export function memoryJobs() {
  const jobs = new Map<string, PrivacyJob>();
  const parts = new Map<string, { name: string; json: string }>();
  const started: string[] = [];
  const store: PrivacyJobStore = {
    get: async (id) => jobs.get(id),
    put: async (job) => {
      jobs.set(job.jobId, structuredClone(job));
    },
    putPart: async (id, attempt, index, name, json) => {
      parts.set(`${id}#${attempt}#${String(index).padStart(4, '0')}`, { name, json });
    },
    deleteParts: async (id) => {
      const keys = [...parts.keys()].filter((k) => k.startsWith(`${id}#`));
      for (const k of keys) parts.delete(k);
      return keys.length;
    },
    readParts: async (id, attempt) =>
      [...parts.entries()]
        .filter(([k]) => k.startsWith(`${id}#${attempt}#`))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, p]) => p),
  };
  const runner: PrivacyJobRunner = {
    start: async (id, attempt) => {
      started.push(`${id}-${attempt}`);
    },
  };
  return { jobs, parts, started, store, runner };
}
