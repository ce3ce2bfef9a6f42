#!/usr/bin/env node
// Compiles the CLI to JavaScript under dist/cli/ (gitignored) so `npx feltfit` starts without compiling
// TypeScript on each call: from `npm run prepare` (npm ci, npm install), `npm run build:cli`, and from
// bin/feltfit.mjs when a source is newer than the build. One chunk per command group (splitting), so
// `feltfit --help` loads no AWS SDK; packages stay in node_modules.
//
// Each build goes to a folder of its own, and dist/cli/current.json (replaced by a rename, so a reader
// sees the old pointer or the new one) names it with the sources it was built from: CLI processes that
// start while another rebuilds, as the docs test starts a dozen at once, never read a half-written
// folder. Builds older than ten minutes that current.json no longer names are removed.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the builds and current.json live. */
export const cliDist = join(root, 'dist/cli');
const KEEP_OLD_MS = 10 * 60_000;

/**
 * The folder of the current build while every source it was built from is older than it; undefined
 * when there is none, it is unreadable, or a source changed (or is gone) since.
 */
export function currentBuild(dist = cliDist) {
  try {
    const { dir, builtAt, inputs } = JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8'));
    if (!inputs.every((file) => statSync(file).mtimeMs < builtAt)) return undefined;
    return join(dist, dir);
  } catch {
    return undefined;
  }
}

/** Builds the CLI into `dist` and makes it current; returns the folder holding main.js. */
export async function buildCli(dist = cliDist) {
  const { build } = await import('esbuild');
  // Taken before esbuild reads a source, so an edit made during the build makes the build stale.
  const builtAt = Date.now();
  const name = `build-${builtAt}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const outdir = join(dist, name);
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['infra/cli/main.ts'],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).map((file) => join(root, file));
  const pointer = join(dist, `${name}.json`);
  await writeFile(pointer, `${JSON.stringify({ dir: name, builtAt, inputs })}\n`);
  await rename(pointer, join(dist, 'current.json'));
  await removeOldBuilds(dist, name);
  return outdir;
}

async function removeOldBuilds(dist, keep) {
  for (const entry of await readdir(dist)) {
    if (entry === keep || !entry.startsWith('build-')) continue;
    const dir = join(dist, entry);
    const { mtimeMs } = await stat(dir).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > KEEP_OLD_MS) await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = await buildCli();
  process.stdout.write(`feltfit CLI built in ${outdir}\n`);
}
