import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../../infra/local/event-bus.js';
import { FaultInjector, FaultsConfigError, parseFaults, sdkFaultsEnv } from '../../../infra/local/faults.js';
import { LocalFunction } from '../../../infra/local/lambda.js';
import { Resolver } from '../../../infra/local/template.js';
import { seededRandom } from '../../../shared/domain/random.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'feltfit-faults-'));
const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    Source: 'test',
    DetailType: 'Thing',
    Detail: JSON.stringify({ i }),
    EventBusName: 'default',
  }));

describe('fault injection: configuration', () => {
  it('reads FELTFIT_FAULTS and names the variable when it is wrong', () => {
    expect(parseFaults(undefined)).toBeUndefined();
    expect(parseFaults('{"putEventsFailureRate":0.2,"crashRate":{"ingest":0.1},"seed":7}')).toEqual({
      putEventsFailureRate: 0.2,
      crashRate: { ingest: 0.1 },
      seed: 7,
    });
    expect(() => parseFaults('{"putEventsFailureRate":2}')).toThrow(FaultsConfigError);
    expect(() => parseFaults('{"putEventsFailureRate":2}')).toThrow(/FELTFIT_FAULTS: putEventsFailureRate/);
    expect(() => parseFaults('{"crashrate":{}}')).toThrow(/FELTFIT_FAULTS/);
    expect(() => parseFaults('not json')).toThrow(/FELTFIT_FAULTS must be JSON or a list/);
    expect(() => parseFaults('{not json')).toThrow(/FELTFIT_FAULTS must be JSON/);
  });

  it('reads the compact list of SDK faults and hands it to the functions', () => {
    const faults = parseFaults('dynamodb=throttle:0.1,eventbridge=error:0.05,ses=timeout:0.02,seed=9');
    expect(faults).toEqual({
      sdk: {
        dynamodb: { fault: 'throttle', rate: 0.1 },
        eventbridge: { fault: 'error', rate: 0.05 },
        ses: { fault: 'timeout', rate: 0.02 },
      },
      seed: 9,
    });
    expect(sdkFaultsEnv(faults)).toBe('dynamodb=throttle:0.1,eventbridge=error:0.05,ses=timeout:0.02,seed=9');
    expect(sdkFaultsEnv({ putEventsFailureRate: 0.1 })).toBeUndefined();
    expect(() => parseFaults('dynamodb=slow:0.1')).toThrow(/'slow' is not a fault/);
    expect(parseFaults('{"sdk":{"bedrock":{"fault":"error","rate":0.3}}}')).toEqual({
      sdk: { bedrock: { fault: 'error', rate: 0.3 } },
    });
    expect(() => parseFaults('{"sdk":{"s3":{"fault":"error","rate":0.3}}}')).toThrow(/FELTFIT_FAULTS: sdk/);
  });

  it('draws the same faults from the same seed, and other faults from another', () => {
    const draw = (seed: number) => {
      const f = new FaultInjector({ putEventsFailureRate: 0.3, crashRate: { send: 0.5 }, seed });
      const crash = f.crasher('send')!;
      return {
        bus: Array.from({ length: 20 }, () => f.putEvents(5)),
        crashes: Array.from({ length: 20 }, crash),
      };
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('fails about the configured share of entries', () => {
    const f = new FaultInjector({ putEventsFailureRate: 0.2, seed: 3 });
    let failed = 0;
    let total = 0;
    let wholeCalls = 0;
    for (let i = 0; i < 2_000; i++) {
      const fault = f.putEvents(10);
      if (fault.kind === 'call') wholeCalls++;
      else {
        failed += fault.failed.filter(Boolean).length;
        total += fault.failed.length;
      }
    }
    expect(failed / total).toBeGreaterThan(0.17);
    expect(failed / total).toBeLessThan(0.23);
    // A tenth of the rate fails whole calls: about 2% of 2,000.
    expect(wholeCalls).toBeGreaterThan(15);
    expect(wholeCalls).toBeLessThan(70);
  });

  it('injects nothing without a rate', () => {
    const f = new FaultInjector({});
    expect(f.putEvents(3)).toEqual({ kind: 'entries', failed: [false, false, false] });
    expect(f.crasher('ingest')).toBeUndefined();
    expect(seededRandom(1)()).toBeGreaterThanOrEqual(0);
  });
});

describe('fault injection: the local bus answers PutEvents as EventBridge fails', () => {
  let bus: LocalEventBus | undefined;
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
  });

  const client = (endpoint: string, maxAttempts: number) =>
    new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts,
    });

  it('answers failed entries with FailedEntryCount and ErrorCode InternalFailure, in request order', async () => {
    bus = new LocalEventBus(
      new Resolver({ Resources: {} }),
      () => Promise.resolve(),
      tmp(),
      new FaultInjector({ putEventsFailureRate: 0.5, seed: 11 }),
    );
    const endpoint = await bus.listen();
    const eb = client(endpoint, 1);
    let failedSeen = 0;
    let acceptedSeen = 0;
    for (let call = 0; call < 20; call++) {
      const before = bus.history.length;
      const out = await eb.send(new PutEventsCommand({ Entries: entries(10) })).catch((e: Error) => e);
      if (out instanceof Error) continue; // a whole-call failure, tested below
      const failed = (out.Entries ?? []).filter((e) => e.ErrorCode);
      expect(out.Entries).toHaveLength(10);
      expect(out.FailedEntryCount).toBe(failed.length);
      for (const e of failed) {
        expect(e.ErrorCode).toBe('InternalFailure');
        expect(e.EventId).toBeUndefined();
      }
      // Only the accepted entries reach the bus, and they are the ones with an EventId.
      const put = bus.history.slice(before);
      expect(put.map((e) => e.id)).toEqual(out.Entries!.filter((e) => e.EventId).map((e) => e.EventId));
      const accepted = out.Entries!.flatMap((e, i) => (e.EventId ? [i] : []));
      expect(put.map((e) => (e.detail as { i: number }).i)).toEqual(accepted);
      failedSeen += failed.length;
      acceptedSeen += accepted.length;
    }
    expect(failedSeen).toBeGreaterThan(0);
    expect(acceptedSeen).toBeGreaterThan(0);
    eb.destroy();
  });

  it('fails a whole call with a 500 that the SDK sees as a retryable server error', async () => {
    // Rate 1: a tenth of the calls fail whole; the rest fail every entry.
    bus = new LocalEventBus(
      new Resolver({ Resources: {} }),
      () => Promise.resolve(),
      tmp(),
      new FaultInjector({ putEventsFailureRate: 1, seed: 5 }),
    );
    const endpoint = await bus.listen();
    const eb = client(endpoint, 1);
    const errors: { name: string; status?: number; fault?: string }[] = [];
    for (let call = 0; call < 60; call++) {
      const out = await eb.send(new PutEventsCommand({ Entries: entries(1) })).catch((e: Error) => e);
      if (out instanceof Error) {
        const meta = (out as { $metadata?: { httpStatusCode?: number }; $fault?: string }).$metadata;
        errors.push({
          name: out.name,
          ...(meta?.httpStatusCode ? { status: meta.httpStatusCode } : {}),
          ...((out as { $fault?: string }).$fault ? { fault: (out as { $fault?: string }).$fault! } : {}),
        });
      } else expect(out.FailedEntryCount).toBe(1);
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toEqual({ name: 'InternalException', status: 500, fault: 'server' });
    expect(bus.history).toHaveLength(0);
    eb.destroy();
  });
});

describe('fault injection: a crash after the handler ran', () => {
  it('fails the invocation although the handler’s side effect happened', async () => {
    const dir = tmp();
    const file = join(dir, 'effect.mjs');
    const effect = join(dir, 'effect.txt');
    writeFileSync(
      file,
      `import { appendFileSync } from 'node:fs';\nexport const handler = async (e) => { appendFileSync(${JSON.stringify(effect)}, e.n + '\\n'); return { ok: e.n }; };\n`,
    );
    const fn = new LocalFunction(
      'Effect',
      file,
      'handler',
      { POWERTOOLS_SERVICE_NAME: 'feltfit-effect' },
      5_000,
      128,
    );
    expect(fn.functionName).toBe('effect');
    await fn.start();
    const draws = [true, false];
    fn.crash = () => draws.shift() ?? false;
    await expect(fn.invoke({ n: 1 })).rejects.toMatchObject({ errorType: 'Runtime.ExitError' });
    await expect(fn.invoke({ n: 2 })).resolves.toEqual({ ok: 2 });
    await fn.stop();
    expect(existsSync(effect)).toBe(true);
    expect(readFileSync(effect, 'utf8')).toBe('1\n2\n');
  });
});
