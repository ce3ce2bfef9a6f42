import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Io, run } from '../../../infra/cli/commands/models.js';
import type { ModelVersionSummary } from '../../../shared/domain/models/registry.js';

const eb = mockClient(EventBridgeClient);
beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});
afterEach(() => eb.reset());

/** A data folder whose runtime.json names a local bus and a models table. */
function localRuntime(extra: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'feltfit-train-'));
  writeFileSync(
    join(dir, 'runtime.json'),
    JSON.stringify({
      url: 'http://localhost:3000',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
      busEndpoint: 'http://127.0.0.1:4010',
      eventBusName: 'feltfit',
      stateMachines: {},
      env: { MODELS_TABLE: 'feltfit-models' },
      ...extra,
    }),
  );
  return dir;
}

const summary = (model: 'clv' | 'propensity', version: string): ModelVersionSummary =>
  ({
    model,
    version,
    status: 'candidate',
    createdAt: '2026-01-07T10:00:00Z',
    statusChangedAt: '2026-01-07T10:00:00Z',
    gatesPassed: false,
    metrics: {},
  }) as unknown as ModelVersionSummary;

async function cli(args: string[], io: Partial<Io> & { env: Record<string, string | undefined> }) {
  let out = '';
  let err = '';
  const endpoints: (string | undefined)[] = [];
  const code = await run(['train', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    eventBridge: (endpoint) => {
      endpoints.push(endpoint);
      return new EventBridgeClient({ region: 'us-east-1' });
    },
    ...io,
  });
  const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
  return { code, out, err, endpoints, entries };
}

describe('feltfit models train', () => {
  it('puts a ModelTrainingRequested event for one model on the local runtime’s bus', async () => {
    const r = await cli(['--model', 'clv'], { env: { FELTFIT_DATA_DIR: localRuntime() } });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.endpoints).toEqual(['http://127.0.0.1:4010']);
    expect(r.entries).toHaveLength(1);
    expect(r.entries[0]).toMatchObject({
      EventBusName: 'feltfit',
      Source: 'feltfit.admin',
      DetailType: 'ModelTrainingRequested',
    });
    expect(JSON.parse(r.entries[0]!.Detail!)).toMatchObject({ model: 'clv', requestedBy: 'cli' });
    expect(r.out).toMatch(/^requested training of clv on bus feltfit \(request [\w-]+\)\n$/);
  });

  it('asks for every model without --model, on FELTFIT_EVENT_BUS in AWS (default credentials)', async () => {
    const r = await cli(['--json'], { env: { FELTFIT_EVENT_BUS: 'feltfit-prod' } });
    expect(r.code).toBe(0);
    expect(r.endpoints).toEqual([undefined]);
    expect(r.entries[0]!.EventBusName).toBe('feltfit-prod');
    const detail = JSON.parse(r.entries[0]!.Detail!);
    expect(detail).not.toHaveProperty('model');
    expect(JSON.parse(r.out)).toEqual({ request: detail, eventBusName: 'feltfit-prod' });
  });

  it('with --wait follows the registry until the new version appears, and prints it', async () => {
    let polls = 0;
    const slept: number[] = [];
    const r = await cli(['--model', 'clv', '--wait'], {
      env: { FELTFIT_DATA_DIR: localRuntime() },
      registry: (table) => {
        expect(table).toEqual({
          tableName: 'feltfit-models',
          endpoint: 'http://127.0.0.1:8000',
          local: true,
        });
        return {
          list: async () => {
            polls++;
            // Before the request, then twice without the new version, then with it.
            return polls < 4 ? [summary('clv', 'old')] : [summary('clv', 'new'), summary('clv', 'old')];
          },
        };
      },
      sleep: async (ms) => void slept.push(ms),
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(slept).toEqual([1000, 1000]);
    expect(r.out).toContain('waiting for the new version');
    expect(r.out).toMatch(/clv\s+new\s+candidate/);
    expect(r.out).not.toMatch(/\bold\b/);
  });

  it('with --wait gives up after --timeout, exit 1, saying which model got no version', async () => {
    let clock = 0;
    const r = await cli(['--wait', '--timeout', '5', '--json'], {
      env: { FELTFIT_DATA_DIR: localRuntime() },
      registry: () => ({ list: async () => (clock > 2_000 ? [summary('clv', 'v2')] : []) }),
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      versions: [{ model: 'clv', version: 'v2' }],
      missing: ['propensity'],
    });
    expect(r.err).toMatch(/no new version of propensity within 5 s/);

    clock = 0;
    const none = await cli(['--model', 'propensity', '--wait', '--timeout', '3'], {
      env: { FELTFIT_DATA_DIR: localRuntime() },
      registry: () => ({ list: async () => [] }),
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no new version of propensity within 3 s/);
  });

  it('prints its usage with --help and puts nothing on a bus', async () => {
    const r = await cli(['--help'], { env: {} });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: feltfit models train \[options\]\n/);
    expect(r.out).toMatch(/^ {2}--model MODEL +clv or propensity/m);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('exits 2 on a usage mistake before putting anything on a bus', async () => {
    for (const args of [
      ['--model', 'churn'],
      ['--model'],
      ['--timeout', '10'],
      ['--wait', '--timeout', '-1'],
      ['--force'],
    ]) {
      const r = await cli(args, { env: { FELTFIT_EVENT_BUS: 'feltfit' } });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^feltfit models train: /);
    }
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('says how to name a bus when there is no local runtime, and one written before busEndpoint existed', async () => {
    const missing = await cli([], { env: { FELTFIT_DATA_DIR: join(tmpdir(), 'feltfit-nowhere') } });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/pass --bus NAME, set FELTFIT_EVENT_BUS/);
    const old = await cli([], { env: { FELTFIT_DATA_DIR: localRuntime({ busEndpoint: undefined }) } });
    expect(old.err).toMatch(/names no busEndpoint: restart the local runtime/);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
