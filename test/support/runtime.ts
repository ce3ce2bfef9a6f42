import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Faults } from '../../infra/local/faults.js';
import type { ThrottleSettings } from '../../infra/local/http-api.js';
import { type Runtime, randomToken, startRuntime } from '../../infra/local/runtime.js';
import { seedLocalHashKey } from './local-hash-key.js';

/** A local runtime on the run's assembly and DynamoDB Local, with its own tables and secrets. */
export interface TestRuntime extends Runtime {
  readonly writeKey: string;
  readonly adminToken: string;
  /** GET an admin route with the bearer token; returns status and parsed JSON. */
  admin(pathAndQuery: string): Promise<{ status: number; body: any }>;
  /** POST a JSON body (or raw string/Buffer) to a route. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export async function startTestRuntime(
  options: {
    timeScale?: number;
    redeploy?: Record<string, string>;
    assemblyDir?: string;
    /** Run the template's schedules (default off: at e2e speed-ups they would fire every second or two). */
    schedules?: boolean;
    /** Injected failures (PutEvents, crashes after a handler ran); see docs/operations.md#fault-injection. */
    faults?: Faults;
    /** The HTTP API stage's throttle instead of the template's (RuntimeOptions.apiThrottle). */
    apiThrottle?: ThrottleSettings;
  } = {},
): Promise<TestRuntime> {
  const writeKey = randomToken('ff_');
  const adminToken = randomToken('admin_');
  const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-e2e-'));
  const assemblyDir = options.assemblyDir ?? inject('assemblyDir');
  // The functions hash with TEST_HASH_KEY, so tests can name profiles before they exist (profileOf).
  seedLocalHashKey(dataDir, assemblyDir);
  const runtime = await startRuntime({
    port: 0,
    dataDir,
    writeKey,
    adminToken,
    assemblyDir,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    functionLogs: 'files',
    schedules: options.schedules ?? false,
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
    ...(options.redeploy ? { redeploy: options.redeploy } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.apiThrottle ? { apiThrottle: options.apiThrottle } : {}),
    tablePrefix: `e2e${randomBytes(4).toString('hex')}`,
  });
  const parse = async (res: Response) => {
    const text = await res.text();
    try {
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: res.status, body: text };
    }
  };
  return {
    ...runtime,
    stop: () => runtime.stop(),
    writeKey,
    adminToken,
    admin: async (p) =>
      parse(await fetch(`${runtime.url}${p}`, { headers: { authorization: `Bearer ${adminToken}` } })),
    post: async (p, body, headers = {}) =>
      parse(
        await fetch(`${runtime.url}${p}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
            ...headers,
          },
          body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
        }),
      ),
  };
}
