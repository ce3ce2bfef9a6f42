/**
 * How every function is bundled, in one place: FeltfitFunction hands these options to NodejsFunction,
 * and the bundle-size test and the bundles bench give the same ones to esbuild, so the sizes they
 * check and print are the sizes that are deployed.
 */
import type { BuildOptions } from 'esbuild';

/** esbuild's target: the Lambda runtime of FUNCTION_RUNTIME. */
export const BUNDLE_TARGET = 'node24';

/** Left out of every bundle: the Lambda Node.js runtime ships AWS SDK v3, bundling it would triple the size. */
export const BUNDLE_EXTERNALS: readonly string[] = ['@aws-sdk/*', '@smithy/*'];

/** ESM builds of dependencies first: they tree-shake, their CommonJS builds do not. */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/** Lets the CommonJS dependencies inside an ESM bundle call `require`. */
export const BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The most a function's bundle may weigh (minified, without its source map). */
export const BUNDLE_LIMIT_BYTES = 200 * 1024;

/** The same bundle as esbuild options (minified ESM; source maps are written beside it, not inside). */
export const ESBUILD_FUNCTION_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  minify: true,
  mainFields: [...BUNDLE_MAIN_FIELDS],
  external: [...BUNDLE_EXTERNALS],
  banner: { js: BUNDLE_BANNER },
  logLevel: 'error',
} satisfies BuildOptions;
