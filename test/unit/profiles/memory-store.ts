import { idKey } from '../../../shared/domain/profiles/resolve.js';
import type { OutboxEvent } from '../../../shared/ports/domain-events.js';
import type {
  CommitOutcome,
  ConsentRecord,
  Identifier,
  MergeRecord,
  ProfileCommit,
  ProfileItem,
  ProfileStore,
  StoredProfile,
} from '../../../shared/ports/profiles.js';

/**
 * An in-memory ProfileStore with the DynamoDB adapter's write rules: a commit is all or nothing,
 * conditional on the versions read and on claimed identifiers being free or already this profile's.
 * It keeps every outbox a commit wrote (what the stream would carry).
 */
export class MemoryProfileStore implements ProfileStore {
  readonly profiles = new Map<string, StoredProfile>();
  readonly pointers = new Map<string, string>();
  readonly consent = new Map<string, ConsentRecord>();
  readonly merges = new Map<string, MergeRecord>();
  readonly tombstones = new Set<string>();
  readonly dropped = new Map<string, number>();
  readonly outboxes: OutboxEvent[][] = [];
  commits = 0;
  private readonly deduped = new Set<string>();

  async getProfile(profileId: string) {
    return this.profiles.get(profileId);
  }

  async getLiveProfile(profileId: string) {
    let p = this.profiles.get(profileId);
    for (let hop = 0; p?.mergedInto && hop < 10; hop++) p = this.profiles.get(p.mergedInto);
    return p;
  }

  async getLiveProfiles(ids: readonly string[]) {
    const out = new Map<string, StoredProfile>();
    for (const id of ids) {
      const p = await this.getLiveProfile(id);
      if (p) out.set(id, p);
    }
    return out;
  }

  async findByIdentifier() {
    return undefined;
  }

  async lookupIdentifiers(ids: readonly Identifier[]) {
    const out = new Map<string, string>();
    for (const id of ids) {
      const p = this.pointers.get(idKey(id));
      if (p) out.set(idKey(id), p);
    }
    return out;
  }

  async commit(write: ProfileCommit): Promise<CommitOutcome> {
    const p = write.profile;
    const current = this.profiles.get(p.profileId);
    const conflict =
      (write.expectedVersion === undefined
        ? current !== undefined
        : current?.version !== write.expectedVersion) ||
      write.claims.some((id) => {
        const owner = this.pointers.get(idKey(id));
        return owner !== undefined && owner !== p.profileId;
      }) ||
      write.absorbed.some((l) => {
        const loser = this.profiles.get(l.profileId);
        return loser?.version !== l.version || loser.mergedInto !== undefined;
      });
    if (conflict) return { ok: false, reason: 'conflict' };
    const version = (write.expectedVersion ?? 0) + 1;
    this.profiles.set(p.profileId, {
      profileId: p.profileId,
      version,
      state: p.state,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
    for (const id of write.claims) this.pointers.set(idKey(id), p.profileId);
    for (const l of write.absorbed) {
      const loser = this.profiles.get(l.profileId)!;
      this.profiles.set(l.profileId, { ...loser, version: l.version + 1, mergedInto: p.profileId });
    }
    for (const m of write.merges) this.merges.set(`${m.winner}|${m.at}|${m.messageId}|${m.loser}`, m);
    for (const c of write.consent) this.consent.set(`${c.profileId}|${c.at}|${c.messageId}`, c);
    this.outboxes.push([...write.outbox]);
    this.commits++;
    return { ok: true, version };
  }

  async repointIdentifiers(ids: readonly Identifier[], from: string, to: string) {
    for (const id of ids) if (this.pointers.get(idKey(id)) === from) this.pointers.set(idKey(id), to);
  }

  async recordMerge(profileId: string, record: MergeRecord) {
    this.merges.set(`${profileId}|${record.at}|${record.messageId}|${record.loser}`, record);
  }

  async hasTombstone(ids: readonly Identifier[]) {
    return ids.some((id) => this.tombstones.has(idKey(id)));
  }

  async tombstonedIdentifiers(ids: readonly Identifier[]) {
    return new Set(ids.map(idKey).filter((k) => this.tombstones.has(k)));
  }

  async putTombstones(ids: readonly Identifier[]) {
    for (const id of ids) this.tombstones.add(idKey(id));
  }

  async countDroppedTraits(names: readonly string[], dedupeKey?: string) {
    if (dedupeKey !== undefined) {
      if (this.deduped.has(dedupeKey)) return;
      this.deduped.add(dedupeKey);
    }
    for (const n of new Set(names)) this.dropped.set(n, (this.dropped.get(n) ?? 0) + 1);
  }

  async droppedTraitCounts() {
    return Object.fromEntries(this.dropped);
  }

  async listProfileItems(): Promise<ProfileItem[]> {
    return [];
  }

  async listIdentityItems(): Promise<ProfileItem[]> {
    return [];
  }
}
