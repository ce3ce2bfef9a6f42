/**
 * Builds the marketer console: one static single-page app (Preact + signals), bundled and minified
 * by esbuild into `outDir` with code splitting, so heavy pages (the journey graph, charts) load only
 * where they are used. The CDK stack deploys `outDir` to S3 behind CloudFront; the local runtime
 * serves the same folder from the synthesized assembly.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the console into `outDir` (emptied first) and returns it. */
export function buildConsoleSync(outDir: string): string {
  return buildConsoleWithMetafile(outDir).dir;
}

/** Builds the console and returns esbuild's metafile too (which chunk each page loads: the bench reads it). */
export function buildConsoleWithMetafile(outDir: string): { dir: string; metafile: Metafile } {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = buildSync({
    metafile: true,
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
  return { dir: outDir, metafile: result.metafile };
}
