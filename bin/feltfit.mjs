#!/usr/bin/env node
// `npx feltfit …`: runs the compiled CLI that dist/cli/current.json names (built by `npm run prepare` on
// npm ci) while it is newer than every source it was built from; otherwise rebuilds it first (esbuild,
// a fraction of a second), so an edited checkout never runs stale code. Should the build fail (no
// esbuild, a read-only checkout), the TypeScript runs through tsx; FELTFIT_CLI_SOURCE=1 asks for that.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli, currentBuild } from '../infra/cli/build.mjs';

async function load() {
  if (process.env.FELTFIT_CLI_SOURCE !== '1') {
    let dir = currentBuild();
    if (!dir) {
      try {
        dir = await buildCli();
      } catch (err) {
        const why = String(err instanceof Error ? err.message : err).split('\n')[0];
        process.stderr.write(`feltfit: could not compile the CLI (${why}); running it through tsx\n`);
      }
    }
    if (dir) return import(pathToFileURL(join(dir, 'main.js')).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../infra/cli/main.ts');
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
