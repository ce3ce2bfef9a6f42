import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

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
  readonly retentionDays: number;
  readonly logRetentionDays: logs.RetentionDays;
}

/** Ingest: the Segment-compatible routes and the function that validates and stores events. */
export class Ingest extends Construct {
  readonly fn: FeltfitFunction;

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
  }
}
