/**
 * `feltfit keys status|rehash` on DynamoDB: counts the keyed items per key id, and moves every keyed
 * item a profile can name (rehashMoves) from the older keys to the current one.
 *
 * Both read whole tables: keyed items are partitions of their own (`ID#…`, `TOMBSTONE#…`, `SUP#A#…`),
 * so there is no query that lists them. The counts are a keys-only paged Scan of the profiles and
 * messages tables; the rehash a paged Scan of the profiles table's profile items. That is an operator
 * command run once per rotation, not a request path. Each move is copy-then-delete: the copy is
 * conditional on nothing being under the current key yet (the projector's pointer, written since the
 * rotation, wins), so a rehash interrupted anywhere is resumed by running it again, and a second run
 * changes nothing.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import {
  type KeyCounts,
  keyedItemOf,
  noKeyCounts,
  type RehashKind,
  type RehashMove,
  rehashMoves,
} from '../../domain/privacy/rehash.js';
import { isConditionalCheckFailed } from './conditions.js';
import { toStoredProfile } from './profile-store.js';

/** Progress of a rehash, after each page of profiles. */
export interface RehashProgress {
  readonly profiles: number;
  readonly rewritten: number;
}

/** What a rehash did: items moved to the current key, old copies dropped because the current one existed. */
export interface RehashSummary {
  readonly profiles: number;
  readonly rewritten: Readonly<Record<RehashKind, number>>;
  /** Old-key items deleted because an item under the current key already existed (it wins lookups). */
  readonly superseded: Readonly<Record<RehashKind, number>>;
}

type Item = Record<string, unknown>;

const SK: Readonly<Record<Exclude<RehashKind, 'suppressions'>, string>> = {
  pointers: 'ID',
  tombstones: 'TOMBSTONE',
};

/** Keyed-item counts and the rehash, on the profiles and messages tables. */
export class DynamoDbKeyRehash {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly profilesTable: string;
      readonly messagesTable: string;
      readonly hasher: KeyedHasher;
      /** Profiles per Scan page (default 100). */
      readonly pageSize?: number;
    },
  ) {}

  /** Keyed items per kind and key id: a keys-only paged Scan of both tables. */
  async counts(): Promise<KeyCounts> {
    const counts = noKeyCounts();
    for (const [table, prefixes] of [
      [this.options.profilesTable, ['ID#', 'TOMBSTONE#']],
      [this.options.messagesTable, ['SUP#A#']],
    ] as const) {
      await this.scan(
        {
          TableName: table,
          ProjectionExpression: 'pk',
          FilterExpression: prefixes.map((_, i) => `begins_with(pk, :p${i})`).join(' OR '),
          ExpressionAttributeValues: Object.fromEntries(prefixes.map((p, i) => [`:p${i}`, p])),
        },
        async (items) => {
          for (const item of items) {
            const keyed = keyedItemOf(String(item.pk));
            if (!keyed) continue;
            const byKey = counts[keyed.kind];
            byKey[keyed.keyId] = (byKey[keyed.keyId] ?? 0) + 1;
          }
        },
      );
    }
    return counts;
  }

  /** Moves every profile's keyed items to the current key; `onProgress` after each page. */
  async rehash(onProgress?: (p: RehashProgress) => void): Promise<RehashSummary> {
    const rewritten: Record<RehashKind, number> = { pointers: 0, tombstones: 0, suppressions: 0 };
    const superseded: Record<RehashKind, number> = { pointers: 0, tombstones: 0, suppressions: 0 };
    let profiles = 0;
    await this.scan(
      {
        TableName: this.options.profilesTable,
        FilterExpression: 'sk = :profile',
        ExpressionAttributeValues: { ':profile': 'PROFILE' },
        Limit: this.options.pageSize ?? 100,
      },
      async (items) => {
        for (const item of items) {
          profiles++;
          const moves = rehashMoves(toStoredProfile(item).state, this.options.hasher);
          for (const outcome of await this.apply(moves)) {
            if (outcome.result === 'rewritten') rewritten[outcome.kind]++;
            else superseded[outcome.kind]++;
          }
        }
        onProgress?.({
          profiles,
          rewritten: rewritten.pointers + rewritten.tombstones + rewritten.suppressions,
        });
      },
    );
    return { profiles, rewritten, superseded };
  }

  /** Copies each old-key item found to its current key (unless one is there), then deletes it. */
  private async apply(
    moves: readonly RehashMove[],
  ): Promise<{ kind: RehashKind; result: 'rewritten' | 'superseded' }[]> {
    const out: { kind: RehashKind; result: 'rewritten' | 'superseded' }[] = [];
    // Pointers and tombstones are one item per partition: one BatchGet finds every old one.
    const single = moves.filter((m) => m.kind !== 'suppressions') as (RehashMove & {
      kind: keyof typeof SK;
    })[];
    const keys = single.flatMap((m) => m.from.map((pk) => ({ pk, sk: SK[m.kind] })));
    const found = new Map(
      (await this.batchGet(this.options.profilesTable, keys)).map((i) => [String(i.pk), i] as const),
    );
    for (const move of single)
      for (const pk of move.from) {
        const item = found.get(pk);
        if (item)
          out.push({ kind: move.kind, result: await this.move(this.options.profilesTable, item, move.to) });
      }
    // A suppression partition holds one item per reason.
    for (const move of moves.filter((m) => m.kind === 'suppressions'))
      for (const pk of move.from)
        for (const item of await this.query(this.options.messagesTable, pk))
          out.push({
            kind: 'suppressions',
            result: await this.move(this.options.messagesTable, item, move.to),
          });
    return out;
  }

  private async move(table: string, item: Item, to: string): Promise<'rewritten' | 'superseded'> {
    let result: 'rewritten' | 'superseded' = 'rewritten';
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: table,
          Item: { ...item, pk: to },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      result = 'superseded';
    }
    await this.options.client.send(
      new DeleteCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }),
    );
    return result;
  }

  private async scan(
    input: ConstructorParameters<typeof ScanCommand>[0],
    page: (items: Item[]) => Promise<void>,
  ): Promise<void> {
    let start: Item | undefined;
    do {
      const out = await this.options.client.send(
        new ScanCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      await page(out.Items ?? []);
      start = out.LastEvaluatedKey;
    } while (start);
  }

  private async query(table: string, pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async batchGet(table: string, keys: readonly { pk: string; sk: string }[]): Promise<Item[]> {
    const items: Item[] = [];
    const unique = [...new Map(keys.map((k) => [k.pk, k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Item[] = unique.slice(i, i + 100);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 8)
          throw new DependencyUnavailableError('DynamoDB left keys unprocessed after 8 attempts');
        const out = await this.options.client.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(out.Responses?.[table] ?? []));
        pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
    return items;
  }
}
