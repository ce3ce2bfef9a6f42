/**
 * ModelRegistry on the models table.
 *
 *   pk = 'MODEL#<model>', sk = 'VERSION#<version>'   one item per trained version:
 *        model, version, status (candidate|promoted|rejected|retired), createdAt, statusChangedAt,
 *        gatesPassed (bool), card (JSON: objective, inputs, window, owner, metrics, fairness,
 *        known risks, gate results), parameters (JSON: the fitted model)
 *   pk = 'MODEL#<model>', sk = 'PROMOTED'            pointer to the promoted version:
 *        version, promotedAt
 *
 * Version ids sort by creation time, so a Query on the model's partition lists versions in order.
 * Promotion is one TransactWriteItems: the new version (must be a candidate whose gates passed)
 * becomes promoted, the previous one (must still be promoted) becomes retired, and the pointer
 * moves (only from the version read before), so two racing promotions cannot both win.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { MODEL_NAMES, type ModelName } from '../../config/models.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import {
  MODEL_STATUSES,
  type ModelCard,
  ModelParameters,
  type ModelStatus,
  type ModelVersion,
  type ModelVersionSummary,
} from '../../domain/models/registry.js';
import type { ModelRegistry } from '../../ports/models.js';
import { isConditionalCheckFailed } from './conditions.js';

const modelPk = (model: ModelName) => `MODEL#${model}`;
const versionKey = (model: ModelName, version: string) => ({ pk: modelPk(model), sk: `VERSION#${version}` });
const pointerKey = (model: ModelName) => ({ pk: modelPk(model), sk: 'PROMOTED' });

/** Registry data the adapter could not read back (e.g. written by an incompatible version). */
export class RegistryItemError extends Error {
  override readonly name = 'RegistryItemError';
}

/** JSON with non-finite numbers (NaN AUC, infinite error) as null: DynamoDB and JSON have neither. */
const toJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));

function finiteMetrics(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (metrics && typeof metrics === 'object') {
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

const asStatus = (value: unknown): ModelStatus => {
  if (typeof value === 'string' && (MODEL_STATUSES as readonly string[]).includes(value))
    return value as ModelStatus;
  throw new RegistryItemError(`unknown model status '${String(value)}'`);
};

function parseCard(item: Record<string, unknown>): ModelCard {
  try {
    const card = JSON.parse(String(item.card)) as ModelCard;
    return { ...card, metrics: finiteMetrics(card.metrics) };
  } catch (cause) {
    throw new RegistryItemError('model card is not JSON', { cause });
  }
}

function fromItem(item: Record<string, unknown>): ModelVersion {
  let parameters: ModelParameters;
  try {
    parameters = ModelParameters.parse(JSON.parse(String(item.parameters)));
  } catch (cause) {
    throw new RegistryItemError(`parameters of ${String(item.sk)} are invalid`, { cause });
  }
  return {
    card: parseCard(item),
    status: asStatus(item.status),
    statusChangedAt: String(item.statusChangedAt),
    parameters,
  };
}

/** DynamoDB implementation of ModelRegistry. */
export class DynamoDbModelRegistry implements ModelRegistry {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async register(version: ModelVersion): Promise<void> {
    const { card } = version;
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...versionKey(card.model, card.version),
            model: card.model,
            version: card.version,
            status: version.status,
            createdAt: card.createdAt,
            statusChangedAt: version.statusChangedAt,
            gatesPassed: card.gates.every((g) => g.passed),
            card: toJson(card),
            parameters: toJson(version.parameters),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        throw new ConflictError(
          'version_exists',
          `version ${card.version} of ${card.model} exists`,
          {},
          { cause: err },
        );
      }
      throw err;
    }
  }

  async get(model: ModelName, version: string): Promise<ModelVersion | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: versionKey(model, version),
        ConsistentRead: true,
      }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async getPromoted(model: ModelName): Promise<ModelVersion | undefined> {
    const pointer = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: pointerKey(model), ConsistentRead: true }),
    );
    const version = pointer.Item?.version;
    return typeof version === 'string' ? this.get(model, version) : undefined;
  }

  async list(model?: ModelName): Promise<ModelVersionSummary[]> {
    const out: ModelVersionSummary[] = [];
    for (const name of model ? [model] : MODEL_NAMES) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
            ExpressionAttributeValues: { ':pk': modelPk(name), ':v': 'VERSION#' },
            // The card carries the metrics; parameters are left behind.
            ProjectionExpression: 'version, #s, createdAt, statusChangedAt, gatesPassed, card',
            ExpressionAttributeNames: { '#s': 'status' },
            ScanIndexForward: false,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          out.push({
            model: name,
            version: String(item.version),
            status: asStatus(item.status),
            createdAt: String(item.createdAt),
            statusChangedAt: String(item.statusChangedAt),
            gatesPassed: item.gatesPassed === true,
            metrics: parseCard(item).metrics,
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return out;
  }

  async promote(model: ModelName, version: string, at: string): Promise<{ previous?: string }> {
    const TableName = this.options.tableName;
    const pointer = await this.options.client.send(
      new GetCommand({ TableName, Key: pointerKey(model), ConsistentRead: true }),
    );
    const previous = typeof pointer.Item?.version === 'string' ? pointer.Item.version : undefined;
    if (previous === version) {
      throw new ConflictError('not_promotable', `version ${version} of ${model} is already promoted`);
    }
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: versionKey(model, version),
                UpdateExpression: 'SET #s = :promoted, statusChangedAt = :at',
                ConditionExpression: '#s = :candidate AND gatesPassed = :true',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: {
                  ':promoted': 'promoted',
                  ':candidate': 'candidate',
                  ':true': true,
                  ':at': at,
                },
              },
            },
            ...(previous
              ? [
                  {
                    Update: {
                      TableName,
                      Key: versionKey(model, previous),
                      UpdateExpression: 'SET #s = :retired, statusChangedAt = :at',
                      ConditionExpression: '#s = :promoted',
                      ExpressionAttributeNames: { '#s': 'status' },
                      ExpressionAttributeValues: {
                        ':retired': 'retired',
                        ':promoted': 'promoted',
                        ':at': at,
                      },
                    },
                  },
                ]
              : []),
            {
              Put: {
                TableName,
                Item: { ...pointerKey(model), version, promotedAt: at },
                ...(previous
                  ? {
                      ConditionExpression: 'version = :prev',
                      ExpressionAttributeValues: { ':prev': previous },
                    }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new ConflictError(
          'not_promotable',
          `version ${version} of ${model} is not a candidate whose gates passed, or another promotion won`,
          {},
          { cause: err },
        );
      }
      throw err;
    }
    return previous ? { previous } : {};
  }

  async setStatus(
    model: ModelName,
    version: string,
    status: 'rejected' | 'retired',
    at: string,
  ): Promise<void> {
    const TableName = this.options.tableName;
    const current = await this.get(model, version);
    if (!current) throw new NotFoundError('version_not_found', `no version ${version} of ${model}`);
    if (current.status === 'promoted') {
      if (status !== 'retired') {
        throw new ConflictError('not_rejectable', 'a promoted version can be retired, not rejected');
      }
      // Retiring the promoted version leaves the model without one: pointer and status together.
      try {
        await this.options.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: versionKey(model, version),
                  UpdateExpression: 'SET #s = :retired, statusChangedAt = :at',
                  ConditionExpression: '#s = :promoted',
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: { ':retired': 'retired', ':promoted': 'promoted', ':at': at },
                },
              },
              {
                Delete: {
                  TableName,
                  Key: pointerKey(model),
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': version },
                },
              },
            ],
          }),
        );
      } catch (err) {
        if (err instanceof TransactionCanceledException) {
          throw new ConflictError(
            'status_changed',
            `version ${version} of ${model} changed meanwhile`,
            {},
            { cause: err },
          );
        }
        throw err;
      }
      return;
    }
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName,
          Key: versionKey(model, version),
          UpdateExpression: 'SET #s = :s, statusChangedAt = :at',
          ConditionExpression: '#s = :current',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':at': at, ':current': current.status },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        throw new ConflictError(
          'status_changed',
          `version ${version} of ${model} changed meanwhile`,
          {},
          { cause: err },
        );
      }
      throw err;
    }
  }
}
