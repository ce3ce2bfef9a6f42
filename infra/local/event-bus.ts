import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type LocalQueueStore, queueNameOfArn } from './async-invoke.js';
import { matchesPattern } from './event-pattern.js';
import type { FaultInjector } from './faults.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver } from './template.js';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface LocalRule {
  id: string;
  bus: string;
  pattern: Record<string, unknown>;
  targets: { id: string; arn: string; input?: string; inputPath?: string; deadLetterQueue?: string }[];
}

/** Something a rule target ARN can be delivered to (a local function, a state machine, …). */
export type TargetInvoker = (arn: string, payload: unknown) => Promise<void> | undefined;

/**
 * The template's EventBridge buses and rules, in process, behind a PutEvents endpoint the unchanged
 * AWS SDK reaches through AWS_ENDPOINT_URL_EVENTBRIDGE. Delivery is asynchronous, as in AWS; each
 * event is matched against every enabled rule on its bus, and targets are retried twice before the
 * event goes to the target's dead-letter queue (the local queue store, with the attributes EventBridge
 * sets: RULE_ARN, TARGET_ARN, ERROR_MESSAGE, …), or to `dead-letters/eventbridge.jsonl` for a target
 * without one. A function target with an EventInvokeConfig resolves once its own retries and
 * on-failure destination are done (infra/local/async-invoke.ts), as Lambda accepts the event at once.
 */
export class LocalEventBus {
  private readonly rules: LocalRule[] = [];
  private server?: Server;
  private readonly inflight = new Set<Promise<void>>();
  /** Every event put on a bus, newest last (bounded), for tests and the console. */
  readonly history: BusEvent[] = [];

  constructor(
    resolver: Resolver,
    private readonly invoke: TargetInvoker,
    private readonly deadLetterDir: string,
    /** Injected PutEvents failures (FELTFIT_FAULTS), on the HTTP endpoint only. */
    private readonly faults?: FaultInjector,
    /** Where targets' dead-letter queues keep their messages. */
    private readonly queues?: LocalQueueStore,
  ) {
    for (const [id, bus] of resolver.ofType('AWS::Events::EventBus')) {
      const name = String(bus.Properties?.Name ?? id);
      resolver.bind(id, {
        ref: name,
        attrs: { Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}`, Name: name },
      });
    }
    for (const [id, rule] of resolver.ofType('AWS::Events::Rule')) {
      const p = rule.Properties ?? {};
      resolver.bind(id, {
        ref: id,
        attrs: { Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${id}` },
      });
      if (p.State === 'DISABLED' || !p.EventPattern) continue; // schedules do not run locally
      this.rules.push({
        id,
        bus: String(p.EventBusName ? resolver.resolve(p.EventBusName) : 'default').replace(
          /^arn:.*:event-bus\//,
          '',
        ),
        pattern: p.EventPattern as Record<string, unknown>,
        targets: [],
      });
    }
    // Targets resolve after every other resource is bound (they may point at any of them).
    this.bindTargets = () => {
      for (const rule of this.rules) {
        const p = resolver.template.Resources[rule.id]?.Properties ?? {};
        rule.targets = ((p.Targets as Record<string, unknown>[] | undefined) ?? []).map((t) => {
          const dlqArn = (t.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
          const deadLetterQueue = dlqArn ? queueNameOfArn(String(resolver.resolve(dlqArn))) : undefined;
          return {
            id: String(t.Id),
            arn: String(resolver.resolve(t.Arn)),
            ...(deadLetterQueue ? { deadLetterQueue } : {}),
            ...(t.Input ? { input: String(resolver.resolve(t.Input)) } : {}),
            ...(t.InputPath ? { inputPath: String(t.InputPath) } : {}),
          };
        });
      }
    };
  }

  /** Resolves rule targets; call once every resource has its local binding. */
  readonly bindTargets: () => void;

  /** Puts events on a bus; returns their ids. Delivery happens after this returns. */
  put(
    entries: {
      Source?: string;
      DetailType?: string;
      Detail?: string;
      EventBusName?: string;
      Resources?: string[];
      Time?: string | number;
    }[],
  ): string[] {
    return entries.map((e) => {
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': String(e.DetailType ?? ''),
        source: String(e.Source ?? ''),
        account: LOCAL_ACCOUNT,
        time: new Date(e.Time ? (typeof e.Time === 'number' ? e.Time * 1000 : e.Time) : Date.now())
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: LOCAL_REGION,
        resources: e.Resources ?? [],
        detail: e.Detail ? JSON.parse(e.Detail) : {},
      };
      const bus = String(e.EventBusName ?? 'default').replace(/^arn:.*:event-bus\//, '');
      this.history.push(event);
      if (this.history.length > 10_000) this.history.shift();
      const delivery = this.deliver(bus, event).finally(() => this.inflight.delete(delivery));
      this.inflight.add(delivery);
      return event.id;
    });
  }

  /** Resolves when every delivery started so far has finished (tests use it to settle). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async deliver(bus: string, event: BusEvent): Promise<void> {
    for (const rule of this.rules) {
      if (rule.bus !== bus || !matchesPattern(event as unknown as Record<string, unknown>, rule.pattern))
        continue;
      for (const target of rule.targets) {
        const payload = target.input
          ? JSON.parse(target.input)
          : target.inputPath
            ? pick(event, target.inputPath)
            : event;
        let lastError: unknown;
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            const run = this.invoke(target.arn, payload);
            if (!run) throw new Error(`no local target for ${target.arn}`);
            await run;
            lastError = undefined;
            break;
          } catch (err) {
            lastError = err;
          }
        }
        if (lastError) await this.deadLetter(rule.id, target, event, lastError);
      }
    }
  }

  private async deadLetter(
    rule: string,
    t: LocalRule['targets'][number],
    event: BusEvent,
    err: unknown,
  ): Promise<void> {
    const target = t.id;
    if (t.deadLetterQueue && this.queues) {
      // The message EventBridge sends to a target's DLQ: the event as the body, why in the attributes.
      await this.queues.send(t.deadLetterQueue, JSON.stringify(event), {
        RULE_ARN: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${rule}`,
        TARGET_ARN: t.arn,
        ERROR_CODE: 'INVOCATION_FAILED',
        ERROR_MESSAGE: err instanceof Error ? err.message : String(err),
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttemptsExhausted',
        RETRY_ATTEMPTS: '2',
      });
      console.error(
        `local bus: delivery to ${target} failed after retries (rule ${rule}); event in queue ${t.deadLetterQueue}`,
      );
      return;
    }
    await mkdir(this.deadLetterDir, { recursive: true });
    const line = JSON.stringify({
      rule,
      target,
      eventId: event.id,
      detailType: event['detail-type'],
      error: err instanceof Error ? err.message : String(err),
    });
    await appendFile(join(this.deadLetterDir, 'eventbridge.jsonl'), `${line}\n`);
    console.error(`local bus: delivery to ${target} failed after retries (rule ${rule})`);
  }

  /** Serves the PutEvents API (awsJson1_1) for the AWS SDK's EventBridge client. */
  listen(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      };
      if (target !== 'AWSEvents.PutEvents') {
        return reply(400, {
          __type: 'UnknownOperationException',
          message: `${target} is not served locally`,
        });
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          Entries?: Parameters<LocalEventBus['put']>[0];
        };
        const entries = body.Entries ?? [];
        const fault = this.faults?.putEvents(entries.length);
        if (fault?.kind === 'call')
          return reply(500, { __type: 'InternalException', message: 'Internal failure (injected)' });
        // Failed entries are not put; the answer keeps the request's order, as EventBridge's does.
        const failed = fault?.failed ?? [];
        const ids = this.put(entries.filter((_, i) => !failed[i]));
        let next = 0;
        reply(200, {
          FailedEntryCount: failed.filter(Boolean).length,
          Entries: entries.map((_, i) =>
            failed[i]
              ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure (injected)' }
              : { EventId: ids[next++] },
          ),
        });
      } catch (err) {
        reply(400, {
          __type: 'ValidationException',
          message: err instanceof Error ? err.message : 'invalid request',
        });
      }
    });
    return new Promise((resolve) => {
      this.server!.listen(0, '127.0.0.1', () => {
        const addr = this.server!.address();
        resolve(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
      });
    });
  }

  async close(): Promise<void> {
    await this.idle();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** `$.detail.x` style InputPath selection. */
function pick(event: BusEvent, path: string): unknown {
  let cur: unknown = event;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return cur;
}
