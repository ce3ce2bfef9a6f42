/** The local runtime a benchmark runs against: its own assembly, DynamoDB Local and data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import type { ThrottleSettings } from '../../infra/local/http-api.js';
import { type Runtime, randomToken, startRuntime } from '../../infra/local/runtime.js';
import { synthesize } from '../../infra/local/synth.js';
import type { CfnTemplate } from '../../infra/local/template.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A started runtime, a DynamoDB client on its DynamoDB Local, and `stop` that removes everything. */
export interface BenchRuntime {
  readonly rt: Runtime;
  readonly client: DynamoDBClient;
  readonly writeKey: string;
  /** `Basic` authorization of the write key, for /v1 routes. */
  readonly auth: string;
  readonly dataDir: string;
  /** The synthesized stack template the runtime runs (benches print the settings they ran with). */
  readonly template: CfnTemplate;
  stop(): Promise<void>;
}

/** Synthesizes the app and starts the local runtime with function logs in files. */
export async function startBenchRuntime(options: {
  readonly tablePrefix: string;
  readonly schedules?: boolean;
  /** The HTTP API stage's throttle instead of the template's (see RuntimeOptions.apiThrottle). */
  readonly apiThrottle?: ThrottleSettings;
}): Promise<BenchRuntime> {
  const outdir = join(repoRoot, '.feltfit', `bench-assembly-${process.pid}`);
  const assembly = synthesize(outdir);
  const ddb = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), `feltfit-${options.tablePrefix}-`));
  const writeKey = randomToken('ff_');
  const rt = await startRuntime({
    port: 0,
    dataDir,
    writeKey,
    adminToken: randomToken('admin_'),
    assemblyDir: assembly.dir,
    dynamodbEndpoint: ddb.endpoint,
    functionLogs: 'files',
    tablePrefix: options.tablePrefix,
    ...(options.schedules === false ? { schedules: false } : {}),
    ...(options.apiThrottle ? { apiThrottle: options.apiThrottle } : {}),
  });
  const client = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    rt,
    client,
    writeKey,
    auth: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    dataDir,
    template: assembly.template,
    async stop() {
      client.destroy();
      await rt.stop();
      await ddb.stop();
      rmSync(outdir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
