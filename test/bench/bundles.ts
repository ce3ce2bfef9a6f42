/**
 * Bundle benchmark (prints figures, never asserts on time): each function's deployed bundle size and
 * its cold import time — the median of fresh `node` processes importing the bundle with the
 * function's environment from the template, next to a fresh `node -e ''` in the same run, so the
 * figure reads as a ratio on any machine. The bundles are the ones synthesis wrote (the construct's
 * options, ./bundling.ts), run by the local runtime, whose secrets extension and DynamoDB Local answer
 * the reads some functions make at cold start.
 * Run with `npm run bench -- bundles`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { ESBUILD_FUNCTION_OPTIONS } from '../../infra/constructs/bundling.js';
import { startBenchRuntime } from './support.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Every function folder under functions/ (each one Lambda, `handler.ts` its entry). */
export function functionNames(): string[] {
  return readdirSync(`${repoRoot}functions`, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** One function's bundle: its size and the inputs that weigh most in it. */
export interface FunctionBundle {
  readonly name: string;
  readonly bytes: number;
  /** Bytes in the bundle per input (package name, or repo file), largest first. */
  readonly heaviest: readonly { readonly input: string; readonly bytes: number }[];
}

/** Bundles every function in one esbuild run with the construct's options, in memory. */
export async function buildFunctionBundles(): Promise<FunctionBundle[]> {
  const names = functionNames();
  const result = await esbuild.build({
    ...ESBUILD_FUNCTION_OPTIONS,
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(names.map((n) => [n, `functions/${n}/handler.ts`])),
    outdir: 'bundles',
    write: false,
    metafile: true,
  });
  return Object.entries(result.metafile.outputs).map(([out, meta]) => {
    const weights = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input;
      weights.set(pkg, (weights.get(pkg) ?? 0) + bytesInOutput);
    }
    return {
      name: out.replace(/^bundles\//, '').replace(/\.js$/, ''),
      bytes: meta.bytes,
      heaviest: [...weights]
        .map(([input, bytes]) => ({ input, bytes }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 5),
    };
  });
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall time of one fresh `node` process running `args` with `env`, or why it failed. */
function nodeRun(args: string[], env: Record<string, string>): number | string {
  const t0 = performance.now();
  const proc = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  return proc.status === 0 ? ms : proc.stderr.trim().split('\n').at(-1)!.slice(0, 200);
}

/** Median wall time of `runs` fresh processes, or the first failure. */
function medianRun(runs: number, args: string[], env: Record<string, string>): number | string {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = nodeRun(args, env);
    if (typeof t === 'string') return t;
    times.push(t);
  }
  return median(times);
}

/** Prints each function's bundle size and cold import time, largest bundle first. */
export async function benchBundles(): Promise<void> {
  const runs = Number(process.env.BENCH_BUNDLE_RUNS ?? 7);
  const bench = await startBenchRuntime({ tablePrefix: 'bundles', schedules: false });
  try {
    const baseline = medianRun(runs, ['-e', ''], { PATH: process.env.PATH ?? '' });
    if (typeof baseline === 'string') throw new Error(`node -e '' failed: ${baseline}`);
    const rows = [...bench.rt.functions.values()].map((fn) => {
      const name = fn.env.POWERTOOLS_SERVICE_NAME?.replace(/^feltfit-/, '') ?? fn.logicalId;
      // The error's name and message on stderr, not the minified line Node prints above it.
      const load = `try { await import(${JSON.stringify(pathToFileURL(fn.file).href)}); } catch (e) { console.error(\`\${e.name}: \${e.message}\`); process.exit(1); }`;
      return {
        name,
        kb: statSync(fn.file).size / 1024,
        ms: medianRun(runs, ['--input-type=module', '-e', load], fn.env),
      };
    });
    rows.sort((a, b) => b.kb - a.kb);
    console.log(
      `\nFunction bundles (minified ESM, @aws-sdk/* and @smithy/* external); cold import: median of ${runs} fresh node processes`,
    );
    console.log(`baseline: node -e '' ${baseline.toFixed(0)} ms`);
    console.log('function              bundle KB  import ms  x baseline');
    for (const r of rows) {
      const cold =
        typeof r.ms === 'string'
          ? `failed: ${r.ms}`
          : `${r.ms.toFixed(0).padStart(9)}  ${(r.ms / baseline).toFixed(2).padStart(10)}`;
      console.log(`${r.name.padEnd(20)}  ${r.kb.toFixed(0).padStart(9)}  ${cold}`);
    }
  } finally {
    await bench.stop();
  }
}
