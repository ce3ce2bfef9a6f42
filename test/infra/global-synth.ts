import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildApp } from '../../infra/app.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The default app's stack template, synthesized once for the infra project. */
    infraTemplatePath: string;
  }
}

let outdir: string | undefined;

/**
 * infra: synthesize the default app once per run — cdk-nag included, so an unacknowledged finding
 * fails the run here — without bundling the functions (the infra tests read only the template; the
 * e2e run bundles). Each test file reads the template JSON instead of synthesizing again.
 */
export function setup(project: TestProject): void {
  outdir = mkdtempSync(join(tmpdir(), 'feltfit-infra-'));
  const { app, stack } = buildApp({ outdir, bundle: false });
  const assembly = app.synth();
  project.provide(
    'infraTemplatePath',
    join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile),
  );
}

export function teardown(): void {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
}
