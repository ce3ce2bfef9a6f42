/**
 * ContentStore and TokenBudgetStore on the content table.
 *
 *   pk = 'VARIANT#<id>',      sk = 'VARIANT'                   the variant; gsi1pk = 'CONTENT#<status>',
 *                                                              gsi1sk = '<updatedAt>#<id>' (by status, newest first)
 *   pk = 'VARIANT#<id>',      sk = 'AUDIT#<at>#<kind>#<n>'     audit: prompt, model, response, guardrail,
 *                                                              checks, reviewer, decision, times
 *   pk = 'BRIEF#<briefId>',   sk = 'BRIEF'                     the brief and its variant ids
 *   pk = 'BUDGET#<YYYY-MM>',  sk = 'TOKENS'                    tokens used that month (atomic ADD)
 *
 * A review is one transaction: the variant update, conditional on `pending_review`, and its audit item.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AuditRecord, Variant, type VariantStatus } from '../../domain/content/schemas.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { ContentStore, ReviewTransition, TokenBudgetStore, VariantPage } from '../../ports/content.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const variantKey = (id: string) => ({ pk: `VARIANT#${id}`, sk: 'VARIANT' });
const statusKey = (status: VariantStatus, updatedAt: string, id: string) => ({
  gsi1pk: `CONTENT#${status}`,
  gsi1sk: `${updatedAt}#${id}`,
});
const budgetKey = (month: string) => ({ pk: `BUDGET#${month}`, sk: 'TOKENS' });

/** The stored item of a variant. */
export function toVariantItem(variant: Variant): Record<string, unknown> {
  return {
    ...variantKey(variant.id),
    ...statusKey(variant.status, variant.updatedAt, variant.id),
    ...variant,
  };
}

function fromVariantItem(item: Record<string, unknown>): Variant {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return Variant.parse(rest);
}

function auditItem(record: AuditRecord, n: number): Record<string, unknown> {
  return { pk: `VARIANT#${record.variantId}`, sk: `AUDIT#${record.at}#${record.kind}#${n}`, ...record };
}

/** DynamoDB implementation of ContentStore. */
export class DynamoDbContentStore implements ContentStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async saveGenerated(input: Parameters<ContentStore['saveGenerated']>[0]): Promise<void> {
    const TableName = this.options.tableName;
    const createdAt = input.variants[0]?.createdAt ?? new Date(0).toISOString();
    // At most 10 variants per brief: 21 items, well inside one transaction's 100.
    await this.options.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                pk: `BRIEF#${input.briefId}`,
                sk: 'BRIEF',
                briefId: input.briefId,
                brief: input.brief,
                variantIds: input.variants.map((v) => v.id),
                createdAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...input.variants.map((v) => ({
            Put: { TableName, Item: toVariantItem(v), ConditionExpression: 'attribute_not_exists(pk)' },
          })),
          ...input.audits.map((a, i) => ({ Put: { TableName, Item: auditItem(a, i) } })),
        ],
      }),
    );
  }

  async get(id: string): Promise<Variant | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: variantKey(id), ConsistentRead: true }),
    );
    return out.Item ? fromVariantItem(out.Item) : undefined;
  }

  async listByStatus(
    status: VariantStatus,
    options: { limit: number; cursor?: string },
  ): Promise<VariantPage> {
    const gsi1pk = `CONTENT#${status}`;
    const start = options.cursor
      ? decodeCursor(
          options.cursor,
          (c) => c.gsi1pk === gsi1pk && typeof c.pk === 'string' && typeof c.gsi1sk === 'string',
        )
      : undefined;
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': gsi1pk },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      variants: (out.Items ?? []).map(fromVariantItem),
      ...(last
        ? {
            cursor: encodeCursor({
              pk: String(last.pk),
              sk: String(last.sk),
              gsi1pk: String(last.gsi1pk),
              gsi1sk: String(last.gsi1sk),
            }),
          }
        : {}),
    };
  }

  async applyReview(id: string, t: ReviewTransition): Promise<Variant> {
    const TableName = this.options.tableName;
    const at = t.review.at;
    const names: Record<string, string> = { '#s': 'status', '#r': 'review' };
    const values: Record<string, unknown> = {
      ':pending': 'pending_review',
      ':to': t.to,
      ':review': t.review,
      ':checks': t.checks,
      ':guardrail': t.guardrail,
      ':at': at,
      ...Object.fromEntries(Object.entries(statusKey(t.to, at, id)).map(([k, v]) => [`:${k}`, v])),
    };
    const sets = [
      '#s = :to',
      '#r = :review',
      'checks = :checks',
      'guardrail = :guardrail',
      'updatedAt = :at',
      'gsi1pk = :gsi1pk',
      'gsi1sk = :gsi1sk',
    ];
    if (t.content) {
      sets.push('content = :content');
      values[':content'] = t.content;
    }
    if (t.generator) {
      sets.push('metadata.#g = :generator');
      names['#g'] = 'generator';
      values[':generator'] = t.generator;
    }
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: variantKey(id),
                UpdateExpression: `SET ${sets.join(', ')}`,
                ConditionExpression: 'attribute_exists(pk) AND #s = :pending',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            { Put: { TableName, Item: auditItem(t.audit, 0) } },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const current = await this.get(id);
        if (!current)
          throw new NotFoundError('variant_not_found', 'no such content variant', {}, { cause: err });
        throw new ConflictError(
          'invalid_transition',
          `the variant is ${current.status}, not pending_review`,
          { status: current.status },
          { cause: err },
        );
      }
      throw err;
    }
    const updated = await this.get(id);
    if (!updated) throw new NotFoundError('variant_not_found', 'no such content variant');
    return updated;
  }

  async audit(id: string): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
          ExpressionAttributeValues: { ':pk': `VARIANT#${id}`, ':audit': 'AUDIT#' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const { pk: _pk, sk: _sk, ...record } = item;
        records.push(record as AuditRecord);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}

/** Monthly token counter on the content table. */
export class DynamoDbTokenBudgetStore implements TokenBudgetStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async used(month: string): Promise<number> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: budgetKey(month), ConsistentRead: true }),
    );
    return typeof out.Item?.tokens === 'number' ? out.Item.tokens : 0;
  }

  async add(month: string, tokens: number): Promise<number> {
    const out = await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: budgetKey(month),
        UpdateExpression: 'ADD tokens :t SET updatedAt = :now',
        ExpressionAttributeValues: { ':t': tokens, ':now': new Date().toISOString() },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.tokens ?? 0);
  }
}
