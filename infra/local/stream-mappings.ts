import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import * as z from 'zod';
import { type LocalQueueStore, localFunctionArn, queueNameOfArn } from './async-invoke.js';
import { matchesPattern } from './event-pattern.js';
import type { LocalFunction } from './lambda.js';
import { readJsonFile, writeJsonAtomic } from './state-files.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver, UnsupportedTemplateError } from './template.js';

/** A mapping's checkpoint, `<checkpointDir>/<mapping>.json`: per shard, the last record processed. */
const Checkpoint = z.object({
  version: z.literal(1),
  mapping: z.string(),
  streamArn: z.string(),
  shards: z.record(z.string(), z.string()),
});

interface Mapping {
  id: string;
  streamArn: string;
  fn: LocalFunction;
  batchSize: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  filters: Record<string, unknown>[];
  reportItemFailures: boolean;
  maxRetries: number;
  /** Queue name of the mapping's on-failure destination, when the template gives it one. */
  onFailureQueue?: string;
}

/** A mapping as ListEventSourceMappings describes it (what `feltfit dlq redrive` needs of it). */
export interface EventSourceMappingInfo {
  readonly UUID: string;
  readonly FunctionArn: string;
  readonly EventSourceArn: string;
  readonly FilterCriteria?: { readonly Filters: readonly { readonly Pattern: string }[] };
  readonly DestinationConfig?: { readonly OnFailure: { readonly Destination: string } };
}

/**
 * What Lambda sends a stream mapping's on-failure destination for records it gave up on: a pointer
 * to them on the stream (shard and sequence-number range), not the records.
 */
export interface StreamFailureRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: '$LATEST';
    readonly functionError?: 'Unhandled';
  };
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord?: string;
    readonly approximateArrivalOfLastRecord?: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The template's DynamoDB-stream event-source mappings, polled from DynamoDB Local's stream API and
 * delivered to the local functions the way Lambda does: batches up to BatchSize, filter criteria,
 * partial batch failures (ReportBatchItemFailures: retry from the first failed record), retries up
 * to MaximumRetryAttempts (-1: until success, backoff capped at 3 s), then a pointer to the records
 * (Lambda's invocation record with `DDBStreamBatchInfo`) goes to the mapping's on-failure queue in
 * the local queue store, which `feltfit dlq` lists and redrives. Without a destination the records are
 * skipped, as Lambda skips them.
 *
 * With a `checkpointDir`, each mapping keeps per shard the sequence number of the last record it
 * processed (delivered, filtered out or dead-lettered) and a restart reads on after it, as Lambda's
 * mapping does, instead of from StartingPosition: nothing is processed twice or skipped. A shard the
 * checkpoint names that is gone (its records trimmed) is logged, and the stream's shards are read
 * from TRIM_HORIZON.
 */
export class LocalStreamMappings {
  private readonly mappings: Mapping[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  /** Per mapping: polls completed and the poll that last found records (a delivery counts as one). */
  private readonly polls = new Map<string, { cycle: number; lastActivity: number }>();
  /** Deliveries running now: a long one must hold a settle, whatever the other mappings do. */
  private inFlight = 0;
  /** Counts for tests: failed deliveries retried, give-ups sent to a failure queue, give-ups skipped. */
  readonly stats = { retried: 0, deadLettered: 0, discarded: 0 };

  constructor(
    resolver: Resolver,
    functions: Map<string, LocalFunction>,
    private readonly streams: DynamoDBStreamsClient,
    /** Where the mappings' on-failure queues keep their messages. */
    private readonly queues: LocalQueueStore,
    private readonly checkpointDir?: string,
  ) {
    for (const [id, res] of resolver.ofType('AWS::Lambda::EventSourceMapping')) {
      const p = res.Properties ?? {};
      const source = String(resolver.resolve(p.EventSourceArn));
      if (!source.includes(':dynamodb:'))
        throw new UnsupportedTemplateError(`event-source mapping ${id}: only DynamoDB streams run locally`);
      const fnName = String(resolver.resolve(p.FunctionName));
      const fn =
        functions.get(fnName) ??
        [...functions.values()].find((f) => fnName.endsWith(`:function:${f.logicalId}`));
      if (!fn) throw new UnsupportedTemplateError(`event-source mapping ${id}: no local function ${fnName}`);
      const filters = (
        (p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []
      ).map((f) => JSON.parse(f.Pattern) as Record<string, unknown>);
      const retries = Number(p.MaximumRetryAttempts ?? -1);
      const destination = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
        ?.OnFailure?.Destination;
      const onFailureQueue = destination ? queueNameOfArn(String(resolver.resolve(destination))) : undefined;
      this.mappings.push({
        id,
        streamArn: source,
        fn,
        batchSize: Number(p.BatchSize ?? 100),
        startingPosition: p.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
        filters,
        reportItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
          'ReportBatchItemFailures',
        ),
        // -1 (the default) retries until the records succeed or expire, as Lambda does.
        maxRetries: retries < 0 ? Number.POSITIVE_INFINITY : retries,
        ...(onFailureQueue ? { onFailureQueue } : {}),
      });
    }
  }

  get count(): number {
    return this.mappings.length;
  }

  /** The mappings as ListEventSourceMappings answers them (the local Lambda API serves this). */
  describe(): EventSourceMappingInfo[] {
    return this.mappings.map((m) => ({
      UUID: m.id,
      FunctionArn: localFunctionArn(m.fn.logicalId),
      EventSourceArn: m.streamArn,
      ...(m.filters.length
        ? { FilterCriteria: { Filters: m.filters.map((f) => ({ Pattern: JSON.stringify(f) })) } }
        : {}),
      ...(m.onFailureQueue
        ? {
            DestinationConfig: {
              OnFailure: { Destination: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${m.onFailureQueue}` },
            },
          }
        : {}),
    }));
  }

  start(): void {
    this.running = true;
    for (const m of this.mappings) this.pollsOf(m);
    this.loops = this.mappings.map((m) => this.poll(m));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
  }

  /**
   * Resolves once no delivery is running and every mapping has polled twice in a row without finding
   * records (tests settle on it). Counted per mapping: idle polls of one mapping never settle another
   * that is still delivering or has records to read.
   */
  async idle(timeoutMs = 30_000): Promise<void> {
    const start = new Map([...this.polls].map(([id, p]) => [id, p.cycle]));
    const deadline = Date.now() + timeoutMs;
    const settled = () =>
      this.inFlight === 0 &&
      [...this.polls].every(
        ([id, p]) => p.cycle >= (start.get(id) ?? 0) + 2 && p.cycle - p.lastActivity >= 2,
      );
    while (!settled()) {
      if (Date.now() > deadline) throw new Error('stream mappings did not settle');
      await sleep(25);
    }
  }

  private pollsOf(m: Mapping): { cycle: number; lastActivity: number } {
    const known = this.polls.get(m.id);
    if (known) return known;
    const p = { cycle: 0, lastActivity: 0 };
    this.polls.set(m.id, p);
    return p;
  }

  private checkpointFile(m: Mapping): string | undefined {
    return this.checkpointDir ? join(this.checkpointDir, `${m.id}.json`) : undefined;
  }

  /** The mapping's saved positions, or undefined on its first start (or for another stream). */
  private readCheckpoint(m: Mapping): Map<string, string> | undefined {
    const file = this.checkpointFile(m);
    if (!file) return undefined;
    const read = readJsonFile(file, Checkpoint);
    if (!read) return undefined;
    if ('unreadable' in read) {
      console.error(
        `local stream mapping ${m.id}: checkpoint ${read.unreadable.path} unreadable (${read.unreadable.reason}); reading from TRIM_HORIZON`,
      );
      return new Map();
    }
    if (read.value.streamArn !== m.streamArn) {
      // The table was created anew: its old stream's positions mean nothing on this one.
      console.log(
        `local stream mapping ${m.id}: the table's stream is new; reading from ${m.startingPosition}`,
      );
      return undefined;
    }
    return new Map(Object.entries(read.value.shards));
  }

  private writeCheckpoint(m: Mapping, positions: Map<string, string>): void {
    const file = this.checkpointFile(m);
    if (!file) return;
    try {
      writeJsonAtomic(file, {
        version: 1,
        mapping: m.id,
        streamArn: m.streamArn,
        shards: Object.fromEntries(positions),
      });
    } catch (err) {
      // Not fatal: a restart then reads some records again (at least once).
      console.error(
        `local stream mapping ${m.id}: could not save its checkpoint: ${err instanceof Error ? err.message : err}`,
      );
    }
  }

  private async poll(m: Mapping): Promise<void> {
    const iterators = new Map<string, string | undefined>();
    const saved = this.readCheckpoint(m);
    const lastSequence = new Map<string, string>(saved);
    const seen = new Set<string>();
    let first = true;
    let lastDescribe = 0;
    const iteratorFor = async (shardId: string, type: 'LATEST' | 'TRIM_HORIZON') => {
      const after = lastSequence.get(shardId);
      if (after) {
        try {
          const it = await this.streams.send(
            new GetShardIteratorCommand({
              StreamArn: m.streamArn,
              ShardId: shardId,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              SequenceNumber: after,
            }),
          );
          iterators.set(shardId, it.ShardIterator);
          return;
        } catch (err) {
          const name = (err as { name?: string }).name ?? '';
          if (
            !['TrimmedDataAccessException', 'ResourceNotFoundException', 'ValidationException'].includes(name)
          )
            throw err;
          console.log(
            `local stream mapping ${m.id}: shard ${shardId} has no record after the checkpoint (${name}); reading it from TRIM_HORIZON`,
          );
          lastSequence.delete(shardId);
          type = 'TRIM_HORIZON';
        }
      }
      const it = await this.streams.send(
        new GetShardIteratorCommand({ StreamArn: m.streamArn, ShardId: shardId, ShardIteratorType: type }),
      );
      iterators.set(shardId, it.ShardIterator);
    };
    while (this.running) {
      let found = false;
      try {
        if (Date.now() - lastDescribe > 1000) {
          lastDescribe = Date.now();
          const desc = await this.streams.send(new DescribeStreamCommand({ StreamArn: m.streamArn }));
          const shards = (desc.StreamDescription?.Shards ?? []).map((s) => s.ShardId!);
          if (first && saved) {
            const gone = [...saved.keys()].filter((id) => !shards.includes(id));
            for (const id of gone) lastSequence.delete(id);
            if (gone.length)
              console.log(
                `local stream mapping ${m.id}: ${gone.length} checkpointed shard(s) gone (older than the stream keeps); reading the stream from TRIM_HORIZON`,
              );
          }
          for (const shardId of shards) {
            if (seen.has(shardId)) continue;
            seen.add(shardId);
            // Shards that exist when the mapping first starts honour StartingPosition; after a restart
            // (a checkpoint) and later, a shard without a position is read whole.
            await iteratorFor(shardId, first && !saved ? m.startingPosition : 'TRIM_HORIZON');
          }
          first = false;
        }
        for (const [shardId, iterator] of iterators) {
          if (!iterator) {
            iterators.delete(shardId);
            continue;
          }
          let page: GetRecordsCommandOutput;
          try {
            page = await this.streams.send(
              new GetRecordsCommand({ ShardIterator: iterator, Limit: m.batchSize }),
            );
          } catch (err) {
            // Expired or trimmed iterators are re-acquired after the last record delivered.
            const name = (err as { name?: string }).name ?? '';
            if (!this.running) return;
            if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
              await iteratorFor(shardId, 'TRIM_HORIZON');
              continue;
            }
            throw err;
          }
          iterators.set(shardId, page.NextShardIterator);
          const all = page.Records ?? [];
          const records = all.filter(
            (r) =>
              m.filters.length === 0 ||
              m.filters.some((f) => matchesPattern(r as unknown as Record<string, unknown>, f)),
          );
          if (all.length) found = true;
          // Stopping in the middle of a batch's retries: it is not processed, so not checkpointed.
          if (records.length) {
            this.inFlight++;
            let delivered: boolean;
            try {
              delivered = await this.deliver(m, records, shardId);
            } finally {
              this.inFlight--;
            }
            if (!delivered) return;
          }
          const last = all.at(-1)?.dynamodb?.SequenceNumber;
          if (last) {
            lastSequence.set(shardId, last);
            this.writeCheckpoint(m, lastSequence);
          }
        }
      } catch (err) {
        if (!this.running) return;
        console.error(`local stream mapping ${m.id}: ${err instanceof Error ? err.message : err}`);
        await sleep(500);
      }
      const polls = this.pollsOf(m);
      polls.cycle++;
      if (found) polls.lastActivity = polls.cycle;
      else await sleep(100);
    }
  }

  /** Delivers a batch until it succeeds or is dead-lettered (true), or the mappings stop (false). */
  private async deliver(m: Mapping, records: _Record[], shardId: string): Promise<boolean> {
    let pending = records.map((r) => ({ ...r, eventSourceARN: m.streamArn }));
    for (let attempt = 0; pending.length; attempt++) {
      let failedFrom = -1;
      try {
        const result = (await m.fn.invoke({ Records: pending })) as
          | { batchItemFailures?: { itemIdentifier: string }[] }
          | undefined;
        const failed = new Set(
          (m.reportItemFailures ? (result?.batchItemFailures ?? []) : []).map((f) => f.itemIdentifier),
        );
        if (failed.size)
          failedFrom = pending.findIndex(
            (r) => failed.has(r.dynamodb?.SequenceNumber ?? '') || failed.has(r.eventID ?? ''),
          );
      } catch (err) {
        console.error(
          `local stream mapping ${m.id}: ${m.fn.logicalId} failed: ${err instanceof Error ? err.message : err}`,
        );
        failedFrom = 0;
      }
      if (failedFrom < 0) return true;
      pending = pending.slice(failedFrom);
      if (attempt >= m.maxRetries) {
        await this.giveUp(m, pending, attempt + 1, shardId);
        return true;
      }
      this.stats.retried++;
      if (!this.running) return false;
      // Backoff capped at a few seconds, so retrying until success does not spin.
      await sleep(Math.min(3000, 50 * 2 ** Math.min(attempt, 10)));
    }
    return true;
  }

  /**
   * Records the mapping could not process: a pointer to them goes to its on-failure queue (what
   * Lambda sends: the function, the condition, the shard and sequence-number range), never the
   * records themselves, which may hold personal data.
   */
  private async giveUp(m: Mapping, pending: _Record[], attempts: number, shardId: string): Promise<void> {
    const first = pending[0]!;
    const last = pending.at(-1)!;
    const arrival = (r: _Record) => {
      const at = r.dynamodb?.ApproximateCreationDateTime;
      return at ? { at: new Date(at).toISOString() } : undefined;
    };
    if (!m.onFailureQueue) {
      this.stats.discarded++;
      console.error(
        `local stream mapping ${m.id}: ${pending.length} records skipped after ${attempts} attempts (no on-failure destination)`,
      );
      return;
    }
    const record: StreamFailureRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: localFunctionArn(m.fn.logicalId),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last.dynamodb?.SequenceNumber ?? '',
        ...(arrival(first) ? { approximateArrivalOfFirstRecord: arrival(first)!.at } : {}),
        ...(arrival(last) ? { approximateArrivalOfLastRecord: arrival(last)!.at } : {}),
        batchSize: pending.length,
        streamArn: m.streamArn,
      },
    };
    await this.queues.send(m.onFailureQueue, JSON.stringify(record));
    this.stats.deadLettered++;
    console.error(
      `local stream mapping ${m.id}: ${pending.length} records given up after ${attempts} attempts; their pointer is in queue ${m.onFailureQueue}`,
    );
  }
}
