/**
 * A PersonalDataHolder for tables whose items name the profile in their key or in a `profileId`
 * attribute (messages: ledger, pressure, inbox; journeys: assignments, decisions, waits). It finds them
 * with a filtered scan: erasure and export are rare, operator-initiated, and this keeps those tables'
 * keys shaped by their hot paths rather than by erasure. Hashed-address suppression entries are kept on
 * purpose (an opt-out must outlive the person's data) and hold no profile id.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Person, PersonalDataHolder } from '../../ports/privacy.js';
import { batchDelete, type ItemKey } from './privacy-delete.js';

export class ProfileKeyedItemsHolder implements PersonalDataHolder {
  constructor(
    readonly name: string,
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  private async find(person: Person): Promise<Record<string, unknown>[]> {
    const ids = [person.profileId, ...person.mergedProfileIds];
    const values: Record<string, string> = {};
    const conditions: string[] = [];
    ids.forEach((id, i) => {
      values[`:p${i}`] = id;
      conditions.push(`contains(pk, :p${i})`, `contains(sk, :p${i})`, `profileId = :p${i}`);
    });
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: conditions.join(' OR '),
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async export(person: Person): Promise<unknown> {
    return this.find(person);
  }

  async erase(person: Person): Promise<number> {
    const keys = (await this.find(person)).map((i) => ({ pk: String(i.pk), sk: String(i.sk) }) as ItemKey);
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
      ? [new ProfileKeyedItemsHolder('messages', { client, tableName: tables.messages })]
      : []),
    ...(tables.journeys
      ? [new ProfileKeyedItemsHolder('journeys', { client, tableName: tables.journeys })]
      : []),
  ];
}
