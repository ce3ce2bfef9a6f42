import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Where to stop reading before the last page. */
export interface QueryAllOptions {
  /** Stop after this item (it is included). */
  readonly stop?: (item: Record<string, unknown>) => boolean;
  /** At most this many items. */
  readonly limit?: number;
}

/**
 * Every item of a Query, page after page (each page's LastEvaluatedKey is the next one's
 * ExclusiveStartKey), in the order DynamoDB returns them; reads no further page once `stop` or
 * `limit` is met.
 */
export async function queryAll(
  table: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  options: QueryAllOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const { stop, limit } = options;
  if (limit !== undefined && limit <= 0) return items;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        ...input,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) {
      items.push(item);
      if (stop?.(item) || items.length === limit) return items;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
