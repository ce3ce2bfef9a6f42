import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

/** The Segment HTTP Tracking API paths, long and browser short forms. */
export const SEGMENT_PATHS = [
  '/v1/identify',
  '/v1/track',
  '/v1/page',
  '/v1/screen',
  '/v1/group',
  '/v1/alias',
  '/v1/batch',
  '/v1/i',
  '/v1/t',
  '/v1/p',
  '/v1/s',
  '/v1/g',
  '/v1/a',
  '/v1/b',
] as const;

export interface IngestProps {
  readonly api: Api;
  readonly data: Data;
  readonly observability: Observability;
  readonly retentionDays: number;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Ingest: the Segment-compatible routes and the function that validates and stores events, and the
 * fan-out that stores the events of large batches the ingest function landed (docs/event-contract.md).
 */
export class Ingest extends Construct {
  readonly fn: FeltfitFunction;
  readonly fanOut: FeltfitFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'ingest',
      description: 'Validates Segment-format messages and stores them in the events table',
      logRetentionDays: props.logRetentionDays,
      // Below the HTTP API's 30 s integration timeout, so the function itself always answers: when
      // storage is slow it answers 503 with Retry-After, 2 s before this ends (ANSWER_MARGIN_MS).
      timeout: Duration.seconds(20),
      environment: { RETENTION_DAYS: String(props.retentionDays) },
      secretsExtension: true,
    });
    props.data.bind(this.fn, 'events', 'w');
    // Partition keys and quarantine fingerprints are keyed hashes.
    props.data.bindHashKey(this.fn);
    props.data.bind(this.fn, 'control', 'rw');
    props.api.addPublicRoutes(
      SEGMENT_PATHS,
      apigw.HttpMethod.POST,
      new HttpLambdaIntegration('Segment', this.fn, API_SCOPED),
      'Segment/RudderStack SDKs authenticate with a write key (Basic auth or a body field) that API Gateway cannot check; the ingest function verifies its hash against the sources table and answers 401.',
    );

    // Stores landed batches as events from the events table's stream. Writes events (and, for the
    // overview, the control table's counters); reads nothing but the stream.
    this.fanOut = new FeltfitFunction(this, 'FanOut', {
      name: 'ingest-fan-out',
      description: 'Stores the messages of large ingested batches as events, from the events stream',
      logRetentionDays: props.logRetentionDays,
      // A landed part is at most 500 messages (20 BatchWriteItem calls); a batch of stream records
      // stops starting parts when its time runs low, and the rest is retried.
      timeout: Duration.seconds(120),
      environment: { RETENTION_DAYS: String(props.retentionDays) },
      secretsExtension: true,
    });
    props.data.bind(this.fanOut, 'events', 'w');
    props.data.bind(this.fanOut, 'control', 'w');
    props.data.bindHashKey(this.fanOut);
    const dlq = props.observability.deadLetterQueue(
      this,
      'FanOutDlq',
      'Ingest fan-out',
      'ingest-fan-out-stream',
    );
    this.fanOut.addEventSource(
      new DynamoEventSource(props.data.tables.events, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // Up to 10 landed items of at most 350 KB: under Lambda's 6 MB invocation payload.
        batchSize: 10,
        // Accepted data is never dropped: retried until stored (from the first item not stored,
        // never bisected); records older than 23 h go to the dead-letter queue an hour before the
        // stream trims them, while the landed item itself stays in the table until its TTL.
        bisectBatchOnError: false,
        maxRecordAge: Duration.hours(23),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: {
              Keys: { sk: { S: lambda.FilterRule.beginsWith('L#') } },
              NewImage: { n: { N: lambda.FilterRule.exists() } },
            },
          }),
        ],
      }),
    );
    props.observability.alarm(
      this,
      'FanOutErrors',
      this.fanOut.metricErrors({ period: Duration.minutes(5) }),
      0,
      'Ingest fan-out: invocation errors',
    );
    // Landed batches waiting: accepted events are not yet stored (nor projected).
    props.observability.alarm(
      this,
      'FanOutIteratorAge',
      this.fanOut.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      15 * 60 * 1000,
      'Ingest fan-out: oldest landed batch waiting more than 15 minutes',
    );
    props.observability.acknowledgeDeadLetterQueue(
      dlq,
      'dead-letter destination of the ingest fan-out’s stream mapping',
    );
  }
}
