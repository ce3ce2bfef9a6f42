/**
 * ProfileStore on the profiles table (KMS-encrypted). Item layout:
 *
 *   PROFILE#<id> / PROFILE                      profileId, version, createdAt, updatedAt, z (state JSON,
 *                                               Brotli-compressed; items written before it hold `s`, the
 *                                               JSON text), features (map: consent only), contact (map:
 *                                               email, phone, pushTokens), outbox? (the last commit's
 *                                               domain events, see profile-outbox.ts), mergedInto?,
 *                                               scores? (the scorer's, written apart by writeScores)
 *                                               — the only item holding clear identifiers
 *   PROFILE#<id> / CONSENT#<ts>#<messageId>     messageId, at, changes [{channel, purpose, granted, source}]
 *   PROFILE#<winner> / MERGE#<ts>#<messageId>#<loser>   winner, loser, messageId, at, outcome, limitTypes?
 *   ID#<type>#<hash> / ID                       profileId, idType  — hash of the normalised identifier only
 *   TOMBSTONE#<type>#<hash> / TOMBSTONE         idType, at
 *   COUNTER#droppedTrait / <trait name>         count (atomic ADD)
 *   DEDUPE#droppedTrait#<messageId> / DEDUPE    expiresAt — makes a replayed count a no-op
 *
 * Identifier hashes are the keyed hash (`hasher`, shared/domain/privacy/keyed-hash.ts): written under
 * the current key, looked up under every key of the keyring during a rotation.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IdentifierType, ProfilesConfig } from '../../config/profiles.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import { HashKeyUnavailableError, type KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import {
  type Identifier,
  identifierHash,
  identifierHashes,
  normaliseIdentifier,
} from '../../domain/profiles/identifiers.js';
import { idKey } from '../../domain/profiles/resolve.js';
import { emptyState, type ProfileState } from '../../domain/profiles/state.js';
import type {
  CommitOutcome,
  MergeRecord,
  ProfileCommit,
  ProfileItem,
  ProfileScan,
  ProfileScoreWriter,
  ProfileStore,
  ReadOptions,
  StoredProfile,
  StoredScores,
} from '../../ports/profiles.js';
import { isConditionalCheckFailed } from './conditions.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { encodeOutbox, OUTBOX_ATTRIBUTE } from './profile-outbox.js';
import { queryAll } from './query.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const profileKey = (id: string) => ({ pk: `PROFILE#${id}`, sk: 'PROFILE' });
const mergeKey = (r: MergeRecord) => ({
  pk: `PROFILE#${r.winner}`,
  sk: `MERGE#${r.at}#${r.messageId}#${r.loser}`,
});
const COUNTER_PK = 'COUNTER#droppedTrait';
const MAX_MERGE_HOPS = 10;
const DEDUPE_TTL_SECONDS = 30 * 86_400;

/** DynamoDB implementation of ProfileStore. */
export class DynamoDbProfileStore implements ProfileStore, ProfileScan, ProfileScoreWriter {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly config: Pick<ProfilesConfig, 'defaultCountry' | 'blockedValues'>;
      /**
       * Hashes identifiers in index keys. Stores that only read profiles by id may go without; any
       * identifier operation then throws instead of falling back to an unkeyed hash.
       */
      readonly hasher?: KeyedHasher;
      readonly now?: () => Date;
    },
  ) {}

  private get hasher(): KeyedHasher {
    if (!this.options.hasher)
      throw new HashKeyUnavailableError('this profile store has no hash key: identifier operations need one');
    return this.options.hasher;
  }

  /** Key of an identifier's index item, under the current hash key (what writes use). */
  identityKey(id: Identifier) {
    return { pk: `ID#${id.type}#${identifierHash(id, this.hasher)}`, sk: 'ID' };
  }

  /** Keys of an identifier's index item under every hash key, current first (what lookups try). */
  private identityKeys(id: Identifier) {
    return identifierHashes(id, this.hasher).map((h) => ({ pk: `ID#${id.type}#${h}`, sk: 'ID' }));
  }

  private tombstoneKey(id: Identifier) {
    return { pk: `TOMBSTONE#${id.type}#${identifierHash(id, this.hasher)}`, sk: 'TOMBSTONE' };
  }

  private tombstoneKeys(id: Identifier) {
    return identifierHashes(id, this.hasher).map((h) => ({
      pk: `TOMBSTONE#${id.type}#${h}`,
      sk: 'TOMBSTONE',
    }));
  }

  async getProfile(profileId: string, options?: ReadOptions): Promise<StoredProfile | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: profileKey(profileId),
        ConsistentRead: options?.consistent ?? true,
      }),
    );
    return out.Item ? toStoredProfile(out.Item) : undefined;
  }

  async getLiveProfile(profileId: string, options?: ReadOptions): Promise<StoredProfile | undefined> {
    let id = profileId;
    for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
      const profile = await this.getProfile(id, options);
      if (!profile?.mergedInto) return profile;
      id = profile.mergedInto;
    }
    throw new DependencyUnavailableError('merge pointers form a chain longer than expected');
  }

  async getLiveProfiles(
    profileIds: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, StoredProfile>> {
    const consistent = options?.consistent ?? true;
    const out = new Map<string, StoredProfile>();
    // asked id → the id to read next (a merge hop moves it along the chain).
    let pending = new Map([...new Set(profileIds)].map((id) => [id, id]));
    for (let hop = 0; pending.size > 0; hop++) {
      if (hop > MAX_MERGE_HOPS)
        throw new DependencyUnavailableError('merge pointers form a chain longer than expected');
      const items = await this.batchGet(
        [...new Set(pending.values())].map((id) => profileKey(id)),
        consistent,
      );
      const byId = new Map(items.map((i) => [String(i.profileId), toStoredProfile(i)]));
      const next = new Map<string, string>();
      for (const [asked, id] of pending) {
        const p = byId.get(id);
        if (!p) continue;
        if (p.mergedInto) next.set(asked, p.mergedInto);
        else out.set(asked, p);
      }
      pending = next;
    }
    return out;
  }

  async findByIdentifier(type: IdentifierType, value: string): Promise<StoredProfile | undefined> {
    const id = normaliseIdentifier(type, value, this.options.config);
    if (!id) return undefined;
    const owner = (await this.lookupIdentifiers([id])).get(idKey(id));
    return owner ? this.getLiveProfile(owner) : undefined;
  }

  async lookupIdentifiers(ids: readonly Identifier[], options?: ReadOptions): Promise<Map<string, string>> {
    // During a key rotation an identifier may still be indexed under the previous key: try every
    // key, and let the current key's pointer win when both exist (the rehash wrote it).
    const keys = ids.map((id) => ({ id, keys: this.identityKeys(id) }));
    const rank = new Map(
      keys.flatMap(({ id, keys }) => keys.map((k, i) => [k.pk, { key: idKey(id), i }] as const)),
    );
    const items = await this.batchGet(
      keys.flatMap((k) => k.keys),
      options?.consistent ?? true,
    );
    const out = new Map<string, string>();
    const best = new Map<string, number>();
    for (const item of items) {
      const r = rank.get(String(item.pk));
      if (r === undefined || typeof item.profileId !== 'string') continue;
      if ((best.get(r.key) ?? Number.POSITIVE_INFINITY) <= r.i) continue;
      best.set(r.key, r.i);
      out.set(r.key, item.profileId);
    }
    return out;
  }

  async commit(write: ProfileCommit): Promise<CommitOutcome> {
    const TableName = this.options.tableName;
    const p = write.profile;
    const version = (write.expectedVersion ?? 0) + 1;
    const outbox = encodeOutbox(write.outbox);
    const creating = write.expectedVersion === undefined;
    // An Update, not a Put: attributes the projector does not own (the scorer's `scores`, journey
    // traits) survive. `s` is removed: the state lives compressed in `z`.
    const profileUpdate = {
      TableName,
      Key: profileKey(p.profileId),
      UpdateExpression:
        'SET #profileId = :id, #version = :next, #createdAt = :created, #updatedAt = :updated, ' +
        `#z = :z, #features = :features, #contact = :contact${outbox ? ', #outbox = :outbox' : ''} ` +
        `REMOVE #s${outbox ? '' : ', #outbox'}`,
      ExpressionAttributeNames: {
        '#profileId': 'profileId',
        '#version': 'version',
        '#createdAt': 'createdAt',
        '#updatedAt': 'updatedAt',
        '#z': 'z',
        '#s': 's',
        '#features': 'features',
        '#contact': 'contact',
        '#outbox': OUTBOX_ATTRIBUTE,
        ...(creating ? { '#pk': 'pk' } : {}),
      },
      ExpressionAttributeValues: {
        ':id': p.profileId,
        ':next': version,
        ':created': p.createdAt,
        ':updated': p.updatedAt,
        ':z': encodeState(p.state),
        // Only consent is kept of the features: the data-quality scan counts it; every other reader
        // derives features from the state, so storing them would only make every write bigger.
        ':features': { consent: p.features.consent },
        ':contact': p.contact,
        ...(outbox ? { ':outbox': outbox } : {}),
        ...(creating ? {} : { ':v': write.expectedVersion }),
      },
      ConditionExpression: creating ? 'attribute_not_exists(#pk)' : '#version = :v',
    };
    const onlyProfile =
      write.claims.length === 0 &&
      write.absorbed.length === 0 &&
      write.merges.length === 0 &&
      write.consent.length === 0;
    if (onlyProfile) {
      // A transaction costs twice the write units of the same write alone.
      try {
        await this.options.client.send(new UpdateCommand(profileUpdate));
        return { ok: true, version };
      } catch (err) {
        if (isConditionalCheckFailed(err)) return { ok: false, reason: 'conflict' };
        throw err;
      }
    }
    const items: TransactItem[] = [
      { Update: profileUpdate },
      ...write.claims.map(
        (id): TransactItem => ({
          Put: {
            TableName,
            Item: { ...this.identityKey(id), profileId: p.profileId, idType: id.type },
            ConditionExpression: 'attribute_not_exists(pk) OR profileId = :me',
            ExpressionAttributeValues: { ':me': p.profileId },
          },
        }),
      ),
      ...write.absorbed.map(
        (loser): TransactItem => ({
          Update: {
            TableName,
            Key: profileKey(loser.profileId),
            // The loser's outbox was published from its own earlier stream record: not again.
            UpdateExpression: 'SET mergedInto = :w, version = :next, updatedAt = :at REMOVE #outbox',
            ConditionExpression: 'version = :v AND attribute_not_exists(mergedInto)',
            ExpressionAttributeNames: { '#outbox': OUTBOX_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':w': p.profileId,
              ':v': loser.version,
              ':next': loser.version + 1,
              ':at': p.updatedAt,
            },
          },
        }),
      ),
      ...write.merges.map((r): TransactItem => ({ Put: { TableName, Item: { ...mergeKey(r), ...r } } })),
      ...write.consent.map(
        (c): TransactItem => ({
          Put: {
            TableName,
            Item: { pk: `PROFILE#${c.profileId}`, sk: `CONSENT#${c.at}#${c.messageId}`, ...c },
          },
        }),
      ),
    ];
    try {
      await this.options.client.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true, version };
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        (err.CancellationReasons ?? []).some(
          (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
        )
      ) {
        return { ok: false, reason: 'conflict' };
      }
      throw err;
    }
  }

  async repointIdentifiers(ids: readonly Identifier[], from: string, to: string): Promise<void> {
    for (const Key of ids.flatMap((id) => this.identityKeys(id))) {
      try {
        await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key,
            UpdateExpression: 'SET profileId = :to',
            ConditionExpression: 'profileId = :from',
            ExpressionAttributeValues: { ':to': to, ':from': from },
          }),
        );
      } catch (err) {
        // Already re-pointed (or never written): readers follow mergedInto anyway.
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
  }

  async recordMerge(profileId: string, record: MergeRecord): Promise<void> {
    const item = { ...record, winner: profileId };
    await this.options.client.send(
      new PutCommand({ TableName: this.options.tableName, Item: { ...mergeKey(item), ...item } }),
    );
  }

  async hasTombstone(ids: readonly Identifier[]): Promise<boolean> {
    if (ids.length === 0) return false;
    return (await this.batchGet(ids.flatMap((id) => this.tombstoneKeys(id)))).length > 0;
  }

  async tombstonedIdentifiers(ids: readonly Identifier[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const keys = ids.map((id) => ({ id, keys: this.tombstoneKeys(id) }));
    const byPk = new Map(keys.flatMap(({ id, keys }) => keys.map((k) => [k.pk, idKey(id)] as const)));
    // Strongly consistent: a stale read would project an event of a person erased a moment ago.
    const items = await this.batchGet(keys.flatMap((k) => k.keys));
    return new Set(items.map((i) => byPk.get(String(i.pk))).filter((k): k is string => k !== undefined));
  }

  async putTombstones(ids: readonly Identifier[], at: string): Promise<void> {
    for (const id of ids) {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...this.tombstoneKey(id), idType: id.type, at },
        }),
      );
    }
  }

  async countDroppedTraits(names: readonly string[], dedupeKey?: string): Promise<void> {
    const unique = [...new Set(names.map((n) => n.slice(0, 100)))].slice(0, 50);
    if (unique.length === 0) return;
    const TableName = this.options.tableName;
    const counters = unique.map(
      (name): TransactItem => ({
        Update: {
          TableName,
          Key: { pk: COUNTER_PK, sk: name },
          UpdateExpression: 'ADD #c :one',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
        },
      }),
    );
    if (dedupeKey === undefined) {
      await this.options.client.send(new TransactWriteCommand({ TransactItems: counters }));
      return;
    }
    const now = (this.options.now ?? (() => new Date()))();
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: {
                  pk: `DEDUPE#droppedTrait#${dedupeKey}`,
                  sk: 'DEDUPE',
                  expiresAt: Math.floor(now.getTime() / 1000) + DEDUPE_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...counters,
          ],
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err, 0)) {
        return; // counted before
      }
      throw err;
    }
  }

  async droppedTraitCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const item of await this.queryAll(COUNTER_PK)) out[String(item.sk)] = Number(item.count ?? 0);
    return out;
  }

  async scanLiveProfiles(query: {
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ profiles: StoredProfile[]; cursor?: string }> {
    const limit = Math.max(1, Math.floor(query.limit));
    let startKey: Record<string, unknown> | undefined = query.cursor
      ? decodeCursor(query.cursor, (c) => c.pk?.startsWith('PROFILE#') === true && c.sk === 'PROFILE')
      : undefined;
    const profiles: StoredProfile[] = [];
    do {
      const out = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          // Contact data and features are not read: batch consumers need the state only.
          ProjectionExpression: '#pk, #sk, #id, #version, #created, #updated, #s, #z, #scores',
          FilterExpression: '#sk = :profile AND attribute_not_exists(#merged)',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#sk': 'sk',
            '#id': 'profileId',
            '#version': 'version',
            '#created': 'createdAt',
            '#updated': 'updatedAt',
            '#s': 's',
            '#z': 'z',
            '#scores': 'scores',
            '#merged': 'mergedInto',
          },
          ExpressionAttributeValues: { ':profile': 'PROFILE' },
          // Limit counts items read before the filter; most items of the table are not profiles.
          // Eventually consistent: batch readers tolerate a profile a moment old, at half the cost.
          Limit: Math.max(100, limit - profiles.length),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        if (profiles.length === limit) {
          // Page full mid-way through a scan page: continue after the last profile kept.
          const last = profiles.at(-1)!;
          return { profiles, cursor: encodeCursor(profileKey(last.profileId)) };
        }
        profiles.push(toStoredProfile(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && profiles.length < limit);
    if (!startKey) return { profiles };
    const last = profiles.at(-1);
    return {
      profiles,
      cursor: encodeCursor(
        last ? profileKey(last.profileId) : { pk: String(startKey.pk), sk: String(startKey.sk) },
      ),
    };
  }

  async writeScores(profileId: string, scores: StoredScores): Promise<'written' | 'not_found'> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: profileKey(profileId),
          // No version bump: scores are not profile state, and projector commits leave them alone.
          // REMOVE outbox: this write's stream record must not carry the last commit's events again.
          UpdateExpression: 'SET scores = :scores REMOVE #outbox',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(mergedInto)',
          ExpressionAttributeNames: { '#outbox': OUTBOX_ATTRIBUTE },
          ExpressionAttributeValues: { ':scores': scores },
        }),
      );
      return 'written';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not_found';
      throw err;
    }
  }

  async listProfileItems(profileId: string): Promise<ProfileItem[]> {
    // Readers (export, activity) see the state as JSON text `s`, whichever form the item holds.
    return (await this.queryAll(`PROFILE#${profileId}`)).map((item) => {
      if (item.sk !== 'PROFILE' || item.z === undefined) return item;
      const { z, ...rest } = item;
      return { ...rest, s: decodeState(z) };
    });
  }

  async listIdentityItems(profileId: string): Promise<ProfileItem[]> {
    const profile = await this.getProfile(profileId);
    if (!profile) return [];
    const ids = Object.entries(profile.state.identities).flatMap(([type, values]) =>
      values.map((value) => ({ type, value }) as Identifier),
    );
    return (await this.batchGet(ids.flatMap((id) => this.identityKeys(id)))).filter(
      (i) => i.profileId === profileId,
    );
  }

  private async queryAll(pk: string): Promise<ProfileItem[]> {
    const input = {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    };
    return (await queryAll(this.options, input)) as ProfileItem[];
  }

  private async batchGet(
    keys: readonly { pk: string; sk: string }[],
    consistent = true,
  ): Promise<ProfileItem[]> {
    const TableName = this.options.tableName;
    const unique = [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
    const items: ProfileItem[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] = unique.slice(i, i + 100);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 8)
          throw new DependencyUnavailableError('DynamoDB left keys unprocessed after 8 attempts');
        const out = await this.options.client.send(
          new BatchGetCommand({
            RequestItems: { [TableName]: { Keys: pending, ConsistentRead: consistent } },
          }),
        );
        items.push(...((out.Responses?.[TableName] ?? []) as ProfileItem[]));
        pending = out.UnprocessedKeys?.[TableName]?.Keys ?? [];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
    return items;
  }
}

/** A profile item as a StoredProfile (the state decoded, whichever form the item holds). */
export function toStoredProfile(item: Record<string, unknown>): StoredProfile {
  return {
    profileId: String(item.profileId),
    version: Number(item.version),
    // Fields added after an item was written start empty.
    state: {
      ...emptyState(),
      ...(JSON.parse(item.z !== undefined ? decodeState(item.z) : String(item.s)) as Partial<ProfileState>),
    },
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    ...(typeof item.mergedInto === 'string' ? { mergedInto: item.mergedInto } : {}),
    ...(isStoredScores(item.scores) ? { scores: item.scores } : {}),
  };
}

/**
 * The state as stored: Brotli at a low quality (fast; profile JSON is repetitive keys and stamps, so
 * it still shrinks severalfold), which keeps most profile items under one write unit.
 */
export function encodeState(state: ProfileState): Uint8Array {
  return brotliCompressSync(JSON.stringify(state), {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
  });
}

/** The state JSON text of a stored `z` attribute. */
function decodeState(z: unknown): string {
  const bytes = z instanceof Uint8Array ? z : new Uint8Array(z as ArrayBuffer);
  return brotliDecompressSync(bytes).toString('utf8');
}

function isStoredScores(v: unknown): v is StoredScores {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.at === 'string' &&
    [s.values, s.bands, s.modelVersions].every((m) => m !== null && typeof m === 'object')
  );
}
