/** Test doubles and builders for the ingest tests (unit and integration). */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IngestDeps } from '../../../shared/domain/ingest/ingest.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import type { EventStore, PutEventsResult } from '../../../shared/ports/events.js';
import type { QuarantineEntry } from '../../../shared/ports/quarantine.js';
import type { ResolvedSource } from '../../../shared/ports/sources.js';
import { testHasher } from '../../support/hasher.js';

export const WRITE_KEY = `ff_${'k'.repeat(43)}`;
export const SOURCE: ResolvedSource = { sourceId: 'web', name: 'web' };
export const NOW = new Date('2024-05-01T12:00:00.000Z');

/** An event store that keeps events in a map keyed like the DynamoDB adapter (person + messageId). */
export class MemoryEventStore implements Pick<EventStore, 'putEvents'> {
  readonly byKey = new Map<string, NormalisedMessage>();
  async putEvents(events: readonly NormalisedMessage[]): Promise<PutEventsResult> {
    for (const e of events) this.byKey.set(`${e.userId ?? `a:${e.anonymousId}`}|${e.messageId}`, e);
    return { stored: events.length };
  }
  get all(): NormalisedMessage[] {
    return [...this.byKey.values()];
  }
}

/** A quarantine that records entries. */
export class MemoryQuarantine {
  readonly entries: QuarantineEntry[] = [];
  async put(entries: readonly QuarantineEntry[]): Promise<void> {
    this.entries.push(...entries);
  }
}

/** Ingest dependencies backed by memory, with a fixed clock and sequential ids. */
export function memoryDeps(overrides: Partial<IngestDeps> = {}) {
  const events = new MemoryEventStore();
  const quarantine = new MemoryQuarantine();
  let n = 0;
  const deps: IngestDeps = {
    events,
    quarantine,
    resolveWriteKey: async (key) => (key === WRITE_KEY ? SOURCE : undefined),
    hasher: testHasher,
    now: () => NOW,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...overrides,
  };
  return { deps, events, quarantine };
}

/** `Authorization: Basic base64(writeKey:)`, as the Segment SDKs send it. */
export function basicAuth(writeKey = WRITE_KEY): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** An API Gateway HTTP API (payload format 2.0) event for a POST. */
export function apiEvent(
  path: string,
  body: string | Buffer | undefined,
  options: {
    headers?: Record<string, string>;
    base64?: boolean;
    method?: string;
    query?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const base64 = options.base64 ?? Buffer.isBuffer(body);
  const method = options.method ?? 'POST';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/May/2024:12:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    isBase64Encoded: base64,
    ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body.toString('base64') : body }),
  };
}

/** A typical analytics-node track message. */
export function trackMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1',
    messageId: 'msg-1',
    timestamp: '2024-05-01T11:59:00.000Z',
    properties: { order_id: 'o-1', total: 42.5, currency: 'EUR' },
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
    ...overrides,
  };
}
