import { describe, expect, it } from 'vitest';
import { isErrorLine, lineSplitter, summarizeInvocation } from '../../../infra/local/invocation-log.js';
import { LambdaInvocationError } from '../../../infra/local/lambda.js';

const at = new Date('2024-06-01T16:40:02Z');
/** The time as the summary prints it: this machine's local time. */
const time = at.toTimeString().slice(0, 8);

const httpEvent = (method: string, rawPath: string) => ({
  rawPath,
  rawQueryString: 'type=email&value=zoe@example.com',
  requestContext: { http: { method, path: rawPath } },
});
const streamRecords = (n: number) => ({
  Records: Array.from({ length: n }, () => ({ eventSource: 'aws:dynamodb' })),
});

describe('the one-line invocation summary', () => {
  it('names an HTTP request by method and path, with the status and the function', () => {
    const line = summarizeInvocation({
      function: 'ingest',
      event: httpEvent('POST', '/v1/batch'),
      at,
      durationMs: 12.4,
      result: { statusCode: 200, body: '{}' },
    });
    expect(line).toBe(`${time} POST /v1/batch → 200 ingest 12 ms`);
  });

  it('never prints the query string (it may hold an address)', () => {
    const line = summarizeInvocation({
      function: 'admin',
      event: httpEvent('GET', '/admin/profiles'),
      at,
      durationMs: 3,
      result: { statusCode: 404 },
    });
    expect(line).toBe(`${time} GET /admin/profiles → 404 admin 3 ms`);
  });

  it('counts the records of a stream batch and its partial failures', () => {
    expect(
      summarizeInvocation({
        function: 'project-profile',
        event: streamRecords(37),
        at,
        durationMs: 85,
        result: { batchItemFailures: [] },
      }),
    ).toBe(`${time} project-profile stream batch (37 records) ok 85 ms`);
    expect(
      summarizeInvocation({
        function: 'project-profile',
        event: streamRecords(1),
        at,
        durationMs: 9,
        result: { batchItemFailures: [{ itemIdentifier: '1' }, { itemIdentifier: '2' }] },
      }),
    ).toBe(`${time} project-profile stream batch (1 record) 2 failed 9 ms`);
  });

  it('names a bus event by its detail type and a send by its outcome', () => {
    expect(
      summarizeInvocation({
        function: 'start-journey',
        event: { source: 'feltfit.profiles', 'detail-type': 'ScoresChanged', detail: {} },
        at,
        durationMs: 20,
      }),
    ).toBe(`${time} start-journey event ScoresChanged ok 20 ms`);
    expect(
      summarizeInvocation({
        function: 'send',
        event: { channel: 'email' },
        at,
        durationMs: 40,
        result: { outcome: 'Skipped', reason: 'quiet_hours' },
      }),
    ).toBe(`${time} send invoke ok (Skipped) 40 ms`);
  });

  it('prints a failed invocation with its error type and message', () => {
    const error = new LambdaInvocationError('SendFunction', 'ProviderThrottledError', 'throttled');
    expect(summarizeInvocation({ function: 'send', event: {}, at, durationMs: 40, error })).toBe(
      `${time} send invoke failed 40 ms: SendFunction: ProviderThrottledError: throttled`,
    );
    expect(
      summarizeInvocation({
        function: 'ingest',
        event: httpEvent('POST', '/v1/t'),
        at,
        durationMs: 5,
        error,
      }),
    ).toBe(`${time} POST /v1/t → failed ingest 5 ms: SendFunction: ProviderThrottledError: throttled`);
  });
});

describe('error lines', () => {
  it('are JSON lines at ERROR or CRITICAL level, and text on stderr', () => {
    expect(isErrorLine('{"level":"ERROR","message":"request failed"}', 'stderr')).toBe(true);
    expect(isErrorLine('{"level":"CRITICAL","message":"x"}', 'stdout')).toBe(true);
    expect(isErrorLine('{"level":"WARN","message":"events not stored, retry asked"}', 'stderr')).toBe(false);
    expect(isErrorLine('{"level":"INFO","message":"events ingested"}', 'stdout')).toBe(false);
    expect(isErrorLine('{"_aws":{"CloudWatchMetrics":[]},"SendDecision":1}', 'stdout')).toBe(false);
    expect(isErrorLine('TypeError: x is not a function', 'stderr')).toBe(true);
    expect(isErrorLine('plain text', 'stdout')).toBe(false);
    expect(isErrorLine('', 'stderr')).toBe(false);
  });

  it('are split from a stream on newlines, a line cut across chunks kept whole', () => {
    const lines: string[] = [];
    const onData = lineSplitter((l) => lines.push(l));
    onData('{"level":"ER');
    onData('ROR"}\nsecond\nthi');
    onData(Buffer.from('rd\n'));
    expect(lines).toEqual(['{"level":"ERROR"}', 'second', 'third']);
  });
});
