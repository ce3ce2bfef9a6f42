/**
 * A function invoked asynchronously keeps failing: its event lands in the failure queue
 * after the template's retries, `feltfit dlq list` shows it, and once the fault is gone `feltfit dlq
 * redrive` hands the original event to the function exactly once and empties the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../infra/cli/commands/dlq.js';
import type { LocalFunction } from '../../infra/local/lambda.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const QUEUE = 'feltfit-failed-async-invocations';
let rt: TestRuntime;
let recorder: LocalFunction;
/** Invocations of record-conversion that ran to the end (the crash fault is drawn after each). */
let completed = 0;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return run(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { FELTFIT_DATA_DIR: rt.dataDir },
  }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: 1 / 3600,
    faults: { crashRate: { 'record-conversion': 1 }, seed: 15 },
  });
  recorder = [...rt.functions.values()].find((f) => f.functionName === 'record-conversion')!;
  const crash = recorder.crash!;
  recorder.crash = () => {
    completed++;
    return crash();
  };
}, 240_000);

afterAll(async () => {
  await rt?.stop();
});

describe('an asynchronous function that keeps failing', () => {
  let messageId: string;
  let eventId: string;

  it('is retried as its EventInvokeConfig says, then its event is in its failure queue', async () => {
    const [id] = rt.bus.put([
      {
        EventBusName: 'feltfit',
        Source: 'feltfit.profiles',
        DetailType: 'OrderCompleted',
        Detail: JSON.stringify({
          profileId: 'p-dlq-1',
          orderId: 'o-dlq-1',
          revenue: 12,
          eventId: 'ev-dlq-1',
        }),
      },
    ]);
    eventId = id!;
    const [message] = await until('the failure record', async () => {
      const ms = await rt.queues.messages(QUEUE);
      return ms.length > 0 ? ms : undefined;
    });
    await rt.bus.idle();
    const record = JSON.parse(message!.body);
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(record.requestPayload).toMatchObject({ id: eventId, detail: { orderId: 'o-dlq-1' } });
    expect(record.responsePayload.errorType).toBe('Runtime.ExitError');
    expect(completed).toBe(3);
    // Handled by the function's destination: not also a delivery failure of the rule target.
    expect(await rt.queues.messages('feltfit-failed-measurement-rules')).toEqual([]);
    messageId = message!.messageId;
  });

  it('shows up in feltfit dlq list and show', async () => {
    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`\\b1 {2}${QUEUE}\\n`));
    const messages = await cli(['list', '--queue', 'async-invocations']);
    expect(messages.out).toContain(messageId);
    expect(messages.out).toContain('Runtime.ExitError');
    expect(messages.out).toContain(recorder.logicalId);
    const show = await cli(['show', messageId]);
    expect(JSON.parse(show.out)).toMatchObject({
      queue: QUEUE,
      failure: { kind: 'invocation-record', payload: { id: eventId } },
    });
  });

  it('is redriven once the fault is fixed: one invocation with the original event, and the queue is empty', async () => {
    recorder.crash = () => {
      completed++;
      return false;
    };
    const before = completed;
    const redrive = await cli(['redrive', messageId]);
    expect(redrive.err).toBe('');
    expect(redrive.code).toBe(0);
    expect(redrive.out).toContain('1 redriven, 0 left');
    expect(completed - before).toBe(1);
    expect(await rt.queues.messages(QUEUE)).toEqual([]);
    // A second redrive finds nothing to deliver again.
    const again = await cli(['redrive', messageId, '--queue', QUEUE]);
    expect(again.code).toBe(1);
    expect(completed - before).toBe(1);
  });
});
