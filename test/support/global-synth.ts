import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { synthesize } from '../../infra/local/synth.js';

declare module 'vitest' {
  export interface ProvidedContext {
    assemblyDir: string;
    dynamodbEndpoint: string;
  }
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Shared {
  users: number;
  outdir: string;
  ddb?: DynamoDbLocal;
  ready: Promise<{ assemblyDir: string; dynamodbEndpoint: string }>;
}
// Both e2e projects (parallel and serial) name this file as their globalSetup; vitest loads it once per
// project in the same process, so the synthesis and DynamoDB Local are shared through a process global.
const SHARED = Symbol.for('feltfit.e2e.globalSynth');
const store = globalThis as unknown as Record<symbol, Shared | undefined>;

/**
 * e2e: synthesize the app once per run (bundling every function) and start one DynamoDB Local; each
 * test file starts its own runtime on that assembly with its own table prefix. The assembly lives
 * inside the repo so bundled handlers resolve the AWS SDK from node_modules, as the Lambda runtime
 * provides it.
 */
export async function setup(project: TestProject): Promise<void> {
  let shared = store[SHARED];
  if (!shared) {
    const outdir = join(repoRoot, '.feltfit', `test-assembly-${process.pid}`);
    const holder: Pick<Shared, 'ddb'> = {};
    const ready = (async () => {
      mkdirSync(outdir, { recursive: true });
      const assembly = synthesize(outdir);
      holder.ddb = await startDynamoDbLocal();
      return { assemblyDir: assembly.dir, dynamodbEndpoint: holder.ddb.endpoint };
    })();
    shared = Object.assign(holder, { users: 0, outdir, ready });
    store[SHARED] = shared;
  }
  shared.users++;
  const { assemblyDir, dynamodbEndpoint } = await shared.ready;
  project.provide('assemblyDir', assemblyDir);
  project.provide('dynamodbEndpoint', dynamodbEndpoint);
}

export async function teardown(): Promise<void> {
  const shared = store[SHARED];
  if (!shared || --shared.users > 0) return;
  store[SHARED] = undefined;
  await shared.ddb?.stop();
  rmSync(shared.outdir, { recursive: true, force: true });
}
