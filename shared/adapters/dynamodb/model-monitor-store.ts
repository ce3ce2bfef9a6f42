/**
 * Model monitoring records on the models table, next to the registry's versions:
 *
 *   pk = 'MONITOR#<model>'  sk = 'SNAPSHOT#<yyyy-mm-dd>'   version, rows (JSON [[profileId, score], …]), expiresAt
 *   pk = 'MONITOR#<model>'  sk = 'EVAL#<yyyy-mm-dd>'       version, realised (map), drift, reasons, at
 *
 * A snapshot of 5,000 rows is about 250 KB, under DynamoDB's 400 KB item limit (the configuration caps
 * `snapshotSize` accordingly). Snapshots expire after twice the horizon; evaluations are kept.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DriftVerdict, RealisedMetrics, ScoreSnapshot } from '../../domain/measurement/model-monitor.js';

export class DynamoDbModelMonitorStore {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly horizonDays: number;
    },
  ) {}

  async get(model: 'propensity', day: string): Promise<ScoreSnapshot | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `MONITOR#${model}`, sk: `SNAPSHOT#${day}` },
      }),
    );
    if (!out.Item) return undefined;
    return {
      model,
      day,
      version: typeof out.Item.version === 'string' ? out.Item.version : null,
      rows: JSON.parse(String(out.Item.rows)) as [string, number][],
    };
  }

  async put(snapshot: ScoreSnapshot): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `MONITOR#${snapshot.model}`,
          sk: `SNAPSHOT#${snapshot.day}`,
          version: snapshot.version,
          rows: JSON.stringify(snapshot.rows.map(([id, s]) => [id, Math.round(s * 1e6) / 1e6])),
          expiresAt:
            Math.floor(Date.parse(`${snapshot.day}T00:00:00Z`) / 1000) +
            2 * this.options.horizonDays * 86_400,
        },
      }),
    );
  }

  async record(evaluation: {
    model: 'propensity';
    day: string;
    version: string | null;
    realised: RealisedMetrics;
    verdict: DriftVerdict;
  }): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `MONITOR#${evaluation.model}`,
          sk: `EVAL#${evaluation.day}`,
          version: evaluation.version,
          realised: evaluation.realised,
          drift: evaluation.verdict.drift,
          reasons: evaluation.verdict.reasons,
          at: new Date().toISOString(),
        },
      }),
    );
  }
}
