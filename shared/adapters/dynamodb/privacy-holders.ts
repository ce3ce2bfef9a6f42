/**
 * PersonalDataHolders for the profiles table and the events table.
 *
 * Profiles: every item under `PROFILE#<id>` of the live and the merged profiles (profile item, consent
 * and merge records) and the identity-index items pointing at them. Erasure deletes the records and
 * index items first and the live profile item last, so an interrupted erasure can be re-run: the
 * person is still found through the live profile.
 *
 * Events: every item in the partitions `personKeys({userId})` and `personKeys({anonymousId})` of the
 * person's userIds and anonymousIds (an event is keyed by its userId when it has one), under every
 * hash key of the keyring (a rotation may leave events under the previous key).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyedHasher } from '../../domain/privacy/keyed-hash.js';
import type { Person, PersonalDataHolder } from '../../ports/privacy.js';
import type { ProfileItem, ProfileStore } from '../../ports/profiles.js';
import { fromEventItem, personKeys } from './event-store.js';
import { batchDelete, type ItemKey } from './privacy-delete.js';

/** All items of a partition (optionally only some attributes). */
async function queryPartition(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  keysOnly = false,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(keysOnly ? { ProjectionExpression: 'pk, sk' } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

const keyOf = (i: Readonly<Record<string, unknown>>): ItemKey => ({ pk: String(i.pk), sk: String(i.sk) });

/** What the profiles holder exports. */
export interface ProfilesExport {
  readonly profiles: readonly Record<string, unknown>[];
  readonly identities: readonly {
    readonly type: string;
    readonly hash: string;
    readonly profileId: string;
  }[];
  readonly consent: readonly Record<string, unknown>[];
  readonly merges: readonly Record<string, unknown>[];
  readonly other: readonly Record<string, unknown>[];
}

/** The profiles table's part of a person. */
export class DynamoDbProfilesHolder implements PersonalDataHolder {
  readonly name = 'profiles';

  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly store: Pick<ProfileStore, 'listProfileItems' | 'listIdentityItems'>;
    },
  ) {}

  private async items(person: Person): Promise<{ records: ProfileItem[]; identities: ProfileItem[] }> {
    const ids = [person.profileId, ...person.mergedProfileIds];
    const [records, identities] = await Promise.all([
      Promise.all(ids.map((id) => this.options.store.listProfileItems(id))),
      Promise.all(ids.map((id) => this.options.store.listIdentityItems(id))),
    ]);
    return { records: records.flat(), identities: identities.flat() };
  }

  async export(person: Person): Promise<ProfilesExport> {
    const { records, identities } = await this.items(person);
    const strip = ({ pk: _pk, sk: _sk, ...rest }: ProfileItem) => rest;
    const profiles: Record<string, unknown>[] = [];
    const consent: Record<string, unknown>[] = [];
    const merges: Record<string, unknown>[] = [];
    const other: Record<string, unknown>[] = [];
    for (const item of records) {
      if (item.sk === 'PROFILE') {
        const { s, ...rest } = strip(item);
        profiles.push({ ...rest, state: typeof s === 'string' ? JSON.parse(s) : s });
      } else if (item.sk.startsWith('CONSENT#')) consent.push(strip(item));
      else if (item.sk.startsWith('MERGE#')) merges.push(strip(item));
      else other.push({ sk: item.sk, ...strip(item) });
    }
    return {
      profiles,
      identities: identities.map((i) => ({
        type: String(i.idType),
        hash: i.pk.split('#')[2] ?? '',
        profileId: String(i.profileId),
      })),
      consent,
      merges,
      other,
    };
  }

  async erase(person: Person): Promise<number> {
    const { records, identities } = await this.items(person);
    const live = `PROFILE#${person.profileId}`;
    const isLiveProfile = (i: ProfileItem) => i.pk === live && i.sk === 'PROFILE';
    const first = [...identities, ...records.filter((i) => i.sk !== 'PROFILE')].map(keyOf);
    const losers = records.filter((i) => i.sk === 'PROFILE' && !isLiveProfile(i)).map(keyOf);
    const last = records.filter(isLiveProfile).map(keyOf);
    const { client, tableName } = this.options;
    let deleted = await batchDelete(client, tableName, first);
    deleted += await batchDelete(client, tableName, losers);
    deleted += await batchDelete(client, tableName, last);
    return deleted;
  }
}

/** The events table's part of a person: raw events, decoded. */
export class DynamoDbEventsHolder implements PersonalDataHolder {
  readonly name = 'events';

  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly hasher: KeyedHasher;
    },
  ) {}

  private partitions(person: Person): string[] {
    const { hasher } = this.options;
    return [
      ...new Set([
        ...person.userIds.flatMap((userId) => personKeys({ userId }, hasher)),
        ...person.anonymousIds.flatMap((anonymousId) => personKeys({ anonymousId }, hasher)),
      ]),
    ];
  }

  async export(person: Person): Promise<{ partitions: number; events: unknown[] }> {
    const pks = this.partitions(person);
    const items = (
      await Promise.all(pks.map((pk) => queryPartition(this.options.client, this.options.tableName, pk)))
    ).flat();
    const events = items
      .map(fromEventItem)
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId));
    return { partitions: pks.length, events };
  }

  async erase(person: Person): Promise<number> {
    let deleted = 0;
    for (const pk of this.partitions(person)) {
      const keys = (await queryPartition(this.options.client, this.options.tableName, pk, true)).map(keyOf);
      deleted += await batchDelete(this.options.client, this.options.tableName, keys);
    }
    return deleted;
  }
}
