/** What the profiles table's stream carried in outboxes: the domain events the projection committed. */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { OUTBOX_ATTRIBUTE, outboxOf } from '../../../shared/adapters/dynamodb/profile-outbox.js';
import type { TestRuntime } from '../../support/runtime.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Every outbox event the profiles table's stream carried, read whole from DynamoDB Local. */
export async function outboxEventIds(rt: TestRuntime): Promise<Map<string, string>> {
  const ddb = new DynamoDBClient({ ...local, endpoint: rt.dynamodbEndpoint });
  const streams = new DynamoDBStreamsClient({ ...local, endpoint: rt.dynamodbEndpoint });
  const ids = new Map<string, string>();
  try {
    const table = await ddb.send(new DescribeTableCommand({ TableName: rt.tables.PROFILES_TABLE! }));
    const arn = table.Table!.LatestStreamArn!;
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!
      .Shards!;
    for (const shard of shards) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shard.ShardId!,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const r of page.Records ?? []) {
          const raw = r.dynamodb?.NewImage?.outbox?.S;
          if (!raw) continue;
          for (const e of outboxOf({ [OUTBOX_ATTRIBUTE]: raw })) ids.set(e.eventId, e.type);
        }
        // An open shard hands out an iterator forever: an empty page is its end for now.
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
    }
  } finally {
    ddb.destroy();
    streams.destroy();
  }
  return ids;
}

/**
 * The eventIds of the `feltfit.profiles` events on the bus, in delivery order, a grouped
 * `ProfilesUpdated` entry counting once for each ProfileUpdated it carries.
 */
export function deliveredEventIds(history: readonly { source?: string; detail?: unknown }[]): string[] {
  return history
    .filter((e) => e.source === 'feltfit.profiles')
    .flatMap((e) => {
      const detail = e.detail as { eventId?: unknown; profiles?: { eventId?: unknown }[] };
      return Array.isArray(detail.profiles)
        ? detail.profiles.map((p) => String(p.eventId))
        : [String(detail.eventId)];
    });
}
