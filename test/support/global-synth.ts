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
let ddb: DynamoDbLocal | undefined;
let outdir: string | undefined;

/**
 * e2e: synthesize the app once per run (bundling every function) and start one DynamoDB Local; each
 * test file starts its own runtime on that assembly with its own table prefix. The assembly lives
 * inside the repo so bundled handlers resolve the AWS SDK from node_modules, as the Lambda runtime
 * provides it.
 */
export async function setup(project: TestProject): Promise<void> {
  outdir = join(repoRoot, '.feltfit', `test-assembly-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  const assembly = synthesize(outdir);
  ddb = await startDynamoDbLocal();
  project.provide('assemblyDir', assembly.dir);
  project.provide('dynamodbEndpoint', ddb.endpoint);
}

export async function teardown(): Promise<void> {
  await ddb?.stop();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
}
