/**
 * Journey traits (`updateProfile` steps) on the profiles table. They live in their own attribute of the
 * profile item, a map beside what the projector writes:
 *
 *   PROFILE#<id> / PROFILE   journeyTraits: { <name>: { v, journey, step, at } }
 *
 * Why not a synthetic identify event through the events table: the projector keeps only the traits
 * the profiles config declares (data minimisation), so `referralInvited` and the like would be
 * dropped unless every team declared every journey trait; and the write would only show after the
 * stream and the projector ran. The projector's commits are UpdateItems of named attributes
 * (`s`, `features`, `contact`, …) conditional on `version`, so a write to `journeyTraits` neither
 * bumps `version` nor is overwritten by a commit: the two never fight. Each trait keeps where it came
 * from (journey, step, time), so a person can be told why a journey treated them as it did.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { ProfileWriter } from '../../ports/journeys.js';
import { isConditionalCheckFailed } from '../dynamodb/conditions.js';

/** One stored journey trait and where it came from. */
export interface StoredJourneyTrait {
  readonly v: string | number | boolean;
  readonly journey: string;
  readonly step: string;
  readonly at: string;
}

/** The value the profile carries when the write found nothing to write on. */
export type JourneyTraitsOutcome = 'written' | 'profile_not_found';

const profileKey = (id: string) => ({ pk: `PROFILE#${id}`, sk: 'PROFILE' });
const MAX_MERGE_HOPS = 10;
const MAX_TRAITS = 50;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** A journey trait write that could not be made (bad input or a merge chain that does not end). */
export class JourneyTraitsWriteError extends Error {
  override readonly name = 'JourneyTraitsWriteError';
}

const errorName = (err: unknown) => (err as { name?: string } | null)?.name;

/** ProfileWriter over the `journeyTraits` attribute of the profile item; also reads them back. */
export class DynamoDbJourneyTraits implements ProfileWriter {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  /** Sets the traits on the live profile (following merges); an erased profile is not re-created. */
  async setJourneyTraits(
    profileId: string,
    traits: Readonly<Record<string, string | number | boolean>>,
    source: { readonly journey: string; readonly step: string; readonly at: string },
  ): Promise<void> {
    await this.write(profileId, traits, source);
  }

  /** Like setJourneyTraits, with the outcome as a value. */
  async write(
    profileId: string,
    traits: Readonly<Record<string, string | number | boolean>>,
    source: { readonly journey: string; readonly step: string; readonly at: string },
  ): Promise<JourneyTraitsOutcome> {
    const entries = Object.entries(traits);
    if (entries.length > MAX_TRAITS)
      throw new JourneyTraitsWriteError(`at most ${MAX_TRAITS} journey traits per write`);
    const bad = entries.find(([name]) => !NAME.test(name));
    if (bad) throw new JourneyTraitsWriteError('a journey trait name is not an identifier');
    if (entries.length === 0) return 'written';
    const values: Record<string, StoredJourneyTrait> = {};
    for (const [name, v] of entries) values[name] = { v, ...source };

    let id = profileId;
    for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
      if (await this.writeOn(id, values)) return 'written';
      // The condition failed: the profile is gone (erased, never projected) or was merged away.
      const item = await this.head(id);
      if (!item) return 'profile_not_found';
      if (typeof item.mergedInto !== 'string') continue; // raced with a merge being undone? read again
      id = item.mergedInto;
    }
    throw new DependencyUnavailableError('merge pointers form a chain longer than expected');
  }

  /** Journey traits stored on these profile items, later ids winning (pass the live profile last). */
  async read(profileIds: readonly string[]): Promise<Record<string, StoredJourneyTrait>> {
    const items = await Promise.all(
      [...new Set(profileIds)].map((id) =>
        this.options.client.send(
          new GetCommand({
            TableName: this.options.tableName,
            Key: profileKey(id),
            ProjectionExpression: 'journeyTraits',
            ConsistentRead: true,
          }),
        ),
      ),
    );
    const out: Record<string, StoredJourneyTrait> = {};
    for (const { Item } of items) {
      const map = Item?.journeyTraits;
      if (!map || typeof map !== 'object') continue;
      for (const [name, value] of Object.entries(map as Record<string, unknown>)) {
        if (isStoredTrait(value)) out[name] = value;
      }
    }
    return out;
  }

  /** Writes on one item; false when the item is missing or merged away. */
  private async writeOn(id: string, values: Record<string, StoredJourneyTrait>): Promise<boolean> {
    // REMOVE outbox: this write's stream record must not carry the last projector commit's events again.
    const names: Record<string, string> = { '#jt': 'journeyTraits', '#outbox': 'outbox' };
    const attrValues: Record<string, NativeAttributeValue> = {};
    const sets = Object.entries(values).map(([name, value], i) => {
      names[`#k${i}`] = name;
      attrValues[`:v${i}`] = value;
      return `#jt.#k${i} = :v${i}`;
    });
    const condition = 'attribute_exists(pk) AND attribute_not_exists(mergedInto)';
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: profileKey(id),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE #outbox`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attrValues,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      // The map does not exist yet (first journey trait of this profile): create it whole. Only when
      // it is still absent, so a concurrent first write is not replaced; then set the paths again.
      if (errorName(err) !== 'ValidationException') throw err;
    }
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: profileKey(id),
          UpdateExpression: 'SET #jt = :all REMOVE #outbox',
          ConditionExpression: `${condition} AND attribute_not_exists(#jt)`,
          ExpressionAttributeNames: { '#jt': 'journeyTraits', '#outbox': 'outbox' },
          ExpressionAttributeValues: { ':all': values },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    // Either the item is gone or merged, or another write created the map first: try the paths once more.
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: profileKey(id),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE #outbox`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attrValues,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err) || errorName(err) === 'ValidationException') return false;
      throw err;
    }
  }

  private async head(id: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: profileKey(id),
        ProjectionExpression: 'pk, mergedInto',
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }
}

function isStoredTrait(v: unknown): v is StoredJourneyTrait {
  if (v === null || typeof v !== 'object') return false;
  const t = v as Record<string, unknown>;
  return ['string', 'number', 'boolean'].includes(typeof t.v) && typeof t.at === 'string';
}
