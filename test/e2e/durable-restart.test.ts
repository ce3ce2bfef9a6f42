/**
 * `npm start`, Ctrl-C, `npm start` on the same data directory: onboarding journeys waiting their two
 * days are still RUNNING in that wait after the restart, with the time they had left, and go on when
 * it ends; the stream mappings read on after their checkpoints, so the projector and the outbox
 * publisher see no old record again. The runtime runs its own DynamoDB Local on files in the data
 * directory, as `npm start` does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LocalFunction } from '../../infra/local/lambda.js';
import { type Runtime, randomToken, startRuntime } from '../../infra/local/runtime.js';
import type { LocalExecution } from '../../infra/local/step-functions.js';
import { seedLocalHashKey } from '../support/local-hash-key.js';
import { eventually, personIn, profileOf } from './support/journeys.js';

// The two-day wait lasts 86 s: long enough to outlast a restart on a loaded machine.
const TIME_SCALE = 1 / 2_000;
const WAIT_STATE = 'waitTwoDays.Wait';
const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-durable-'));
const writeKey = randomToken('ff_');
const adminToken = randomToken('admin_');
const tablePrefix = `e2e${randomBytes(4).toString('hex')}`;
// The key profileOf names the people's profiles with (the runtime keeps a secret it finds).
seedLocalHashKey(dataDir, inject('assemblyDir'));

/** Stream records each function was given, counted as the stream mappings deliver them. */
const invoke = vi.spyOn(LocalFunction.prototype, 'invoke');
const recordsGiven = (fn: string) =>
  invoke.mock.calls.reduce((n, [event], i) => {
    const self = invoke.mock.contexts[i] as LocalFunction;
    const records = (event as { Records?: { eventSource?: string }[] } | null)?.Records ?? [];
    return self.functionName === fn ? n + records.filter((r) => r.eventSource === 'aws:dynamodb').length : n;
  }, 0);

/** One `npm start` on the test's data directory. */
const start = () =>
  startRuntime({
    port: 0,
    dataDir,
    writeKey,
    adminToken,
    assemblyDir: inject('assemblyDir'),
    functionLogs: 'files',
    schedules: false,
    timeScale: TIME_SCALE,
    tablePrefix,
  });

let rt: Runtime;
const people = [
  personIn({ onboarding: 'guide' }, 'durable-a'),
  personIn({ onboarding: 'bestsellers' }, 'durable-b'),
  personIn({ onboarding: 'guide' }, 'durable-c'),
];

async function optIn(userId: string) {
  const res = await fetch(`${rt.url}/v1/identify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({
      userId,
      traits: { email: `${userId}@example.com` },
      context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/London' },
    }),
  });
  expect(res.status).toBe(200);
}

/** The person's onboarding execution in the running runtime. */
const onboardingOf = (userId: string): LocalExecution | undefined =>
  [...rt.stepFunctions.executions.values()].find(
    (e) =>
      e.stateMachineArn.endsWith(':stateMachine:feltfit-onboarding') && e.input.includes(profileOf(userId)),
  );

const path = (e: LocalExecution) => e.history.map((h) => `${h.type}${h.name ? `:${h.name}` : ''}`);

beforeAll(async () => {
  rt = await start();
});
afterAll(async () => {
  await rt?.stop();
  invoke.mockRestore();
});

describe('the local runtime across a restart', () => {
  it('keeps waiting journeys where they were, and fires their waits after the restart', async () => {
    for (const userId of people) await optIn(userId);
    await rt.settle();
    const waiting = await eventually('every journey in its two-day wait', () => {
      const found = people.map(onboardingOf);
      return found.every(
        (e) => e && e.history.at(-1)?.type === 'WaitStateEntered' && e.history.at(-1)?.name === WAIT_STATE,
      )
        ? (found as LocalExecution[])
        : undefined;
    });
    const before = new Map(waiting.map((e) => [e.executionArn, path(e)]));
    const projected = recordsGiven('project-profile');
    const published = recordsGiven('publish-domain-events');
    expect(projected).toBeGreaterThan(0);
    expect(published).toBeGreaterThan(0);

    // Ctrl-C.
    await rt.stop();
    for (const e of waiting) {
      const file = join(dataDir, 'step-functions', 'executions', 'feltfit-onboarding', `${e.name}.json`);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        status: 'RUNNING',
        cursor: { state: WAIT_STATE },
      });
    }

    // npm start, same data directory.
    rt = await start();
    expect(rt.resumed.resumed).toBeGreaterThanOrEqual(people.length);
    expect(rt.resumed.unreadable).toEqual([]);
    const sfn = new SFNClient({
      endpoint: JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')).sfnEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      for (const e of waiting) {
        const resumed = rt.stepFunctions.executions.get(e.executionArn)!;
        expect(resumed.status).toBe('RUNNING');
        expect(path(resumed)).toEqual(before.get(e.executionArn));
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
        expect(described.status).toBe('RUNNING');
        // Its name is still taken.
        await expect(
          sfn.send(
            new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: e.name, input: '{}' }),
          ),
        ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      }
    } finally {
      sfn.destroy();
    }

    // The mappings read on after their checkpoints: no old record reaches the projector or the publisher.
    await rt.settle();
    expect(recordsGiven('project-profile')).toBe(projected);
    expect(recordsGiven('publish-domain-events')).toBe(published);
    // …and still deliver what is new.
    await optIn('durable-after-restart');
    await rt.settle();
    expect(recordsGiven('project-profile')).toBeGreaterThan(projected);

    // The wait ends with the time it had left, and each journey goes on from it, once.
    for (const e of waiting) {
      const resumed = await eventually(
        `${e.name} past its wait`,
        () => {
          const r = rt.stepFunctions.executions.get(e.executionArn)!;
          // Past the wait means into the step after it: the interpreter records WaitStateExited before it
          // enters the split, so a history read between the two lacks the split (it failed so on a loaded machine).
          return r.history.some((h) => h.type === 'WaitStateExited' && h.name === WAIT_STATE) &&
            r.history.some((h) => h.name === 'split.Split')
            ? r
            : undefined;
        },
        150,
      );
      expect(
        resumed.history.filter((h) => h.type === 'WaitStateEntered' && h.name === WAIT_STATE),
      ).toHaveLength(1);
      expect(resumed.history.filter((h) => h.type === 'ExecutionStarted')).toHaveLength(1);
    }
  }, 300_000);
});
