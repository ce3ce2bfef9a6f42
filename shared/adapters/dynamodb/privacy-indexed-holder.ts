/**
 * A PersonalDataHolder for the later layers' tables (messages, journeys), reaching every item that
 * names the person through a key or an index, never a scan:
 * - the sparse `byProfile` index (partition key `profileId`, keys only) of the items that carry a
 *   `profileId` attribute (ledger, message logs, decisions, exposures, assignments, waits, occurrences);
 * - the partitions keyed by the profile id itself (inbox, contact pressure, suppression by profile;
 *   conversions, customer counters, merge aliases);
 * - items derived from those found (a ledger entry's `MSG#<messageId>` index item, an exposure's
 *   `CREDIT#<executionName>` partition).
 * Hashed-address suppression entries are kept on purpose (an opt-out must outlive the person's data)
 * and hold no profile id.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { Person, PersonalDataHolder } from '../../ports/privacy.js';
import { DEFAULT_RETRY, type RetryPolicy } from './batch-write.js';
import { batchDelete, type ItemKey } from './privacy-delete.js';
import { PROFILE_INDEX } from './tables.js';

type Item = Record<string, unknown>;

/** Where a table keeps a person's items besides its `byProfile` index. */
export interface ProfileItemsLayout {
  /** Partitions whose key is made of the profile id. */
  partitions(profileId: string): readonly string[];
  /** Further partitions and keys named by an item found (e.g. an index item keyed by message id). */
  derived?(item: Readonly<Item>): { partitions?: readonly string[]; keys?: readonly ItemKey[] };
}

/** The messages table: inbox, contact pressure and suppression by profile; a ledger entry's message index item. */
export const MESSAGES_LAYOUT: ProfileItemsLayout = {
  partitions: (id) => [`INBOX#${id}`, `PRESSURE#${id}`, `SUP#P#${id}`],
  derived: (item) =>
    String(item.pk).startsWith('LEDGER#') && typeof item.messageId === 'string'
      ? { keys: [{ pk: `MSG#${item.messageId}`, sk: 'MSG' }] }
      : {},
};

/** The journeys table: conversions, customer counters and merge aliases by profile; an exposure's conversion credits. */
export const JOURNEYS_LAYOUT: ProfileItemsLayout = {
  partitions: (id) => [`CONVERSION#${id}`, `CUSTOMER#${id}`, `MERGED#${id}`],
  derived: (item) =>
    String(item.pk).startsWith('EXPOSURE#') && typeof item.executionName === 'string'
      ? { partitions: [`CREDIT#${item.executionName}`] }
      : {},
};

const keyOf = (i: Readonly<Item>): ItemKey => ({ pk: String(i.pk), sk: String(i.sk) });
const keyString = (k: ItemKey) => `${k.pk}\u0000${k.sk}`;
const BATCH_GET = 100;

/** A later layer's table, searched by profile id through its index and its profile-keyed partitions. */
export class IndexedProfileItemsHolder implements PersonalDataHolder {
  constructor(
    readonly name: string,
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly layout: ProfileItemsLayout;
      readonly retry?: RetryPolicy;
    },
  ) {}

  private async query(input: {
    IndexName?: string;
    KeyConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          ...input,
          // An index cannot be read consistently; the base table is, so a just-written item is seen.
          ...(input.IndexName ? {} : { ConsistentRead: true }),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private partition(pk: string): Promise<Item[]> {
    return this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
  }

  private byProfile(profileId: string): Promise<Item[]> {
    return this.query({
      IndexName: PROFILE_INDEX,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': 'profileId' },
      ExpressionAttributeValues: { ':p': profileId },
    });
  }

  /** Full items for keys (BatchGetItem, 100 a call, retrying UnprocessedKeys); missing items are skipped. */
  private async get(keys: readonly ItemKey[]): Promise<Item[]> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const { client, tableName } = this.options;
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET).map((k) => ({ ...k }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const out = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(out.Responses?.[tableName] ?? []));
        pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (pending.length === 0) break;
        if (attempt >= retry.maxAttempts)
          throw new DependencyUnavailableError(
            `DynamoDB left ${pending.length} reads unprocessed after ${attempt} attempts`,
          );
        const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await retry.sleep(Math.floor(retry.random() * cap));
      }
    }
    return items;
  }

  /** Every item naming one of the person's profile ids, each once. */
  async find(person: Person): Promise<Item[]> {
    const ids = [person.profileId, ...person.mergedProfileIds];
    const { layout } = this.options;
    const found = new Map<string, Item>();
    const add = (items: readonly Item[]) => {
      for (const item of items) found.set(keyString(keyOf(item)), item);
    };
    const indexed = (await Promise.all(ids.map((id) => this.byProfile(id)))).flat().map(keyOf);
    const partitions = ids.flatMap((id) => layout.partitions(id));
    add(await this.get([...new Map(indexed.map((k) => [keyString(k), k])).values()]));
    add((await Promise.all(partitions.map((pk) => this.partition(pk)))).flat());

    const derivedPartitions = new Set<string>();
    const derivedKeys = new Map<string, ItemKey>();
    for (const item of found.values()) {
      const d = layout.derived?.(item) ?? {};
      for (const pk of d.partitions ?? []) if (!partitions.includes(pk)) derivedPartitions.add(pk);
      for (const k of d.keys ?? []) if (!found.has(keyString(k))) derivedKeys.set(keyString(k), k);
    }
    add((await Promise.all([...derivedPartitions].map((pk) => this.partition(pk)))).flat());
    add(await this.get([...derivedKeys.values()]));
    return [...found.values()].sort((a, b) => keyString(keyOf(a)).localeCompare(keyString(keyOf(b))));
  }

  async export(person: Person): Promise<unknown> {
    return this.find(person);
  }

  async erase(person: Person): Promise<number> {
    const keys = (await this.find(person)).map(keyOf);
    return keys.length ? batchDelete(this.options.client, this.options.tableName, keys) : 0;
  }
}

/** Holders for the later layers' tables that are configured (messages, journeys). */
export function laterLayerHolders(
  client: DynamoDBDocumentClient,
  tables: { readonly messages?: string | undefined; readonly journeys?: string | undefined },
): PersonalDataHolder[] {
  return [
    ...(tables.messages
      ? [
          new IndexedProfileItemsHolder('messages', {
            client,
            tableName: tables.messages,
            layout: MESSAGES_LAYOUT,
          }),
        ]
      : []),
    ...(tables.journeys
      ? [
          new IndexedProfileItemsHolder('journeys', {
            client,
            tableName: tables.journeys,
            layout: JOURNEYS_LAYOUT,
          }),
        ]
      : []),
  ];
}
