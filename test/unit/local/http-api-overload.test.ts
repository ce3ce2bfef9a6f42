import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_THROTTLE,
  LocalHttpApi,
  parseThrottle,
  ThrottleConfigError,
  TokenBucket,
} from '../../../infra/local/http-api.js';
import { LocalFunction } from '../../../infra/local/lambda.js';
import { type CfnResource, Resolver } from '../../../infra/local/template.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('the local API’s token bucket, as API Gateway throttles', () => {
  it('admits a full burst at once, then one request per 1/rate seconds', () => {
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, 0);
    expect([0, 0, 0, 0].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.take(400)).toBe(false); // 0.8 of a token
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(500)).toBe(false);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const bucket = new TokenBucket({ rateLimit: 100, burstLimit: 2 }, 0);
    expect([1, 2, 3].map(() => bucket.take(60_000))).toEqual([true, true, false]);
  });

  it('refuses everything with a burst of 0, as a stage throttled to 0 does', () => {
    const bucket = new TokenBucket({ rateLimit: 0, burstLimit: 0 }, 0);
    expect(bucket.take(10_000)).toBe(false);
  });
});

describe('a stage throttle written rate:burst (FELTFIT_API_THROTTLE)', () => {
  it('reads requests per second and the burst', () => {
    expect(parseThrottle('5:10', 'X')).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(parseThrottle('0.5:1', 'X')).toEqual({ rateLimit: 0.5, burstLimit: 1 });
    expect(parseThrottle(undefined, 'X')).toBeUndefined();
    expect(parseThrottle(' ', 'X')).toBeUndefined();
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['5', '5:', 'a:b', '-1:2', '5:10:1', '5:1.5'])
      expect(() => parseThrottle(bad, 'FELTFIT_API_THROTTLE')).toThrow(ThrottleConfigError);
    expect(() => parseThrottle('fast', 'FELTFIT_API_THROTTLE')).toThrow(
      /FELTFIT_API_THROTTLE must be rate:burst/,
    );
  });
});

/** A handler that answers 200, once the file named by the body's `waitFor` exists when it names one. */
function handlerFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feltfit-api-'));
  const file = join(dir, 'h.mjs');
  writeFileSync(
    file,
    `import { existsSync } from 'node:fs';
export const handler = async (e) => {
  const { waitFor } = e.body ? JSON.parse(e.body) : {};
  while (waitFor && !existsSync(waitFor)) await new Promise((r) => setTimeout(r, 10));
  return { statusCode: 200, body: JSON.stringify({ ok: true }) };
};\n`,
  );
  return file;
}

/** One function behind `POST /a` and `POST /b`, with the stage and function properties given. */
async function api(props: {
  stage?: Record<string, unknown>;
  reservedConcurrency?: number;
  stageThrottle?: { rateLimit: number; burstLimit: number };
}): Promise<{ url: string; fn: LocalFunction }> {
  const route = (key: string): CfnResource => ({
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: { RouteKey: key, Target: 'integrations/Integ', AuthorizationType: 'NONE' },
  });
  const resolver = new Resolver({
    Resources: {
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties:
          props.reservedConcurrency !== undefined
            ? { ReservedConcurrentExecutions: props.reservedConcurrency }
            : {},
      },
      Integ: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:Fn',
        },
      },
      RouteA: route('POST /a'),
      RouteB: route('POST /b'),
      ...(props.stage
        ? {
            Stage: {
              Type: 'AWS::ApiGatewayV2::Stage',
              Properties: { StageName: '$default', ...props.stage },
            },
          }
        : {}),
    },
  });
  const fn = new LocalFunction('Fn', handlerFile(), 'handler', {}, 10_000, 128, {
    concurrency: props.reservedConcurrency ?? 4,
  });
  await fn.start();
  stops.push(() => fn.stop());
  const local = new LocalHttpApi(resolver, new Map([['Fn', fn]]), 'admin-token', {
    dataDir: mkdtempSync(join(tmpdir(), 'feltfit-api-data-')),
    stageThrottle: props.stageThrottle,
  });
  const port = await local.listen(0);
  stops.push(() => local.close());
  return { url: `http://127.0.0.1:${port}`, fn };
}

const post = (url: string, waitFor?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(waitFor ? { waitFor } : {}),
  });

describe('the local HTTP API under overload', () => {
  it('answers 429 Too Many Requests, as API Gateway does, past the stage’s burst, without invoking', async () => {
    // A rate of one request per 1,000 s: no token comes back during the test, however slow the machine.
    const { url, fn } = await api({
      stage: { DefaultRouteSettings: { ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 2 } },
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(`${url}/a`)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(await refused.json()).toEqual({ message: 'Too Many Requests' });
    expect(refused.headers.get('content-type')).toBe('application/json');
    // API Gateway's own 429 names no wait: clients back off by themselves.
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(fn.peakRunning).toBeLessThanOrEqual(2);
  });

  it('gives each route its own bucket, and a route’s RouteSettings win over the stage’s', async () => {
    const { url } = await api({
      stage: {
        DefaultRouteSettings: { ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 1 },
        RouteSettings: { 'POST /b': { ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 3 } },
      },
    });
    const a = await Promise.all(Array.from({ length: 3 }, () => post(`${url}/a`)));
    const b = await Promise.all(Array.from({ length: 4 }, () => post(`${url}/b`)));
    expect(a.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    expect(b.map((r) => r.status).filter((s) => s === 200)).toHaveLength(3);
  });

  it('throttles with the given stage throttle instead of the template’s, as another deploy would', async () => {
    const { url } = await api({
      stage: { DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 1000 } },
      stageThrottle: { rateLimit: 0.001, burstLimit: 1 },
    });
    const answers = await Promise.all(Array.from({ length: 3 }, () => post(`${url}/a`)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429, 429]);
  });

  it('applies only the account’s limits when the stage sets no throttle', async () => {
    expect(ACCOUNT_THROTTLE).toEqual({ rateLimit: 10_000, burstLimit: 5_000 });
    const { url } = await api({});
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`${url}/a`)));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([200]));
  });

  it('answers 500 Internal Server Error when the function is at its reserved concurrency, as API Gateway reports a throttled Invoke', async () => {
    const { url, fn } = await api({ reservedConcurrency: 1 });
    const release = join(mkdtempSync(join(tmpdir(), 'feltfit-release-')), 'go');
    const busy = post(`${url}/a`, release);
    // Wait (by polling) until the one reserved instance is busy; it stays busy until released.
    for (let i = 0; i < 1000 && fn.load.running === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fn.load.running).toBe(1);
    const refused = await post(`${url}/b`);
    expect(refused.status).toBe(500);
    expect(await refused.json()).toEqual({ message: 'Internal Server Error' });
    writeFileSync(release, '');
    expect((await busy).status).toBe(200);
    // With the instance free again, the next request runs.
    expect((await post(`${url}/b`)).status).toBe(200);
  });
});
