/**
 * Builds the marketer console: one static single-page app (Preact + signals), bundled and minified
 * by esbuild into `outDir` with code splitting, so heavy pages (the journey graph, charts) load only
 * where they are used. The CDK stack deploys `outDir` to S3 behind CloudFront; the local runtime
 * serves the same folder from the synthesized assembly.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the console into `outDir` (emptied first) and returns it. */
export function buildConsoleSync(outDir: string): string {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [join(here, 'src', 'main.tsx')],
    outdir: join(outDir, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.css': 'css' },
    legalComments: 'none',
    logLevel: 'silent',
  });
  copyFileSync(join(here, 'src', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}
