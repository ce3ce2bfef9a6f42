import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../app.js';
import type { CfnTemplate } from './template.js';

/** A synthesized cloud assembly on disk and its stack template. */
export interface Assembly {
  readonly dir: string;
  readonly template: CfnTemplate;
}

/**
 * Synthesizes the CDK app (the same one `cdk deploy` ships, cdk-nag included) into `outdir`, bundling
 * every function with the local esbuild.
 */
export function synthesize(outdir: string, configPath?: string): Assembly {
  const { app, stack } = buildApp({ outdir, ...(configPath ? { configPath } : {}) });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return { dir: assembly.directory, template: artifact.template as CfnTemplate };
}

/** Reads an assembly synthesized earlier (e.g. once per test run). */
export function readAssembly(dir: string, stackName = 'Feltfit'): Assembly {
  return {
    dir,
    template: JSON.parse(readFileSync(join(dir, `${stackName}.template.json`), 'utf8')) as CfnTemplate,
  };
}
