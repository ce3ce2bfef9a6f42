/**
 * Console benchmarks (figures, never pass/fail):
 * - JavaScript bytes per route, minified and gzip-compressed, as a browser downloads them: the entry
 *   script, the chunks it imports statically, the page's own chunk and everything that one loads,
 *   lazily loaded parts included (budget: 100 KB for any route);
 * - time to first render per route in headless Chromium against the local runtime (navigation start
 *   → the page's heading is visible), beside the time to load a static page of the same server with
 *   no script, measured in the same run (the ratio is what to compare across machines).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { chromium } from 'playwright-core';
import { buildConsoleWithMetafile } from '../../console/build.js';
import { randomToken, startRuntime } from '../../infra/local/runtime.js';
import { chromiumPath } from '../browser/support.js';

const BUDGET_BYTES = 100 * 1024;
const ROUNDS = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 5);

/** The page modules of the navigation, by route (see console/src/app.tsx NAV). */
const PAGES: Record<string, string> = {
  '/': 'overview',
  '/people': 'people',
  '/audiences': 'audiences',
  '/journeys': 'journeys',
  '/campaigns': 'campaigns',
  '/content': 'content',
  '/messages': 'messages',
  '/experiments': 'experiments',
  '/models': 'models',
  '/data-quality': 'data-quality',
  '/settings': 'settings',
};

/** Output files reachable from `start` through static imports (and dynamic ones, with `lazy`). */
function closure(meta: Metafile, start: string, lazy = false, seen = new Set<string>()): Set<string> {
  if (seen.has(start)) return seen;
  seen.add(start);
  for (const i of meta.outputs[start]?.imports ?? []) {
    // Lazy parts of a page (its graph, its charts) count; other pages, which the navigation loads
    // lazily from the shared frame, do not.
    const otherPage = /\/pages\/[^/]+\.tsx$/.test(meta.outputs[i.path]?.entryPoint ?? '');
    if (i.kind === 'import-statement' || (lazy && i.kind === 'dynamic-import' && !otherPage))
      closure(meta, i.path, lazy, seen);
  }
  return seen;
}

export function routeBytes(meta: Metafile): { route: string; files: number; gzip: number }[] {
  const outputs = Object.keys(meta.outputs);
  const entry = outputs.find((o) => o.endsWith('assets/main.js'))!;
  const base = closure(meta, entry);
  const size = (f: string) => gzipSync(readFileSync(f)).length;
  return Object.entries(PAGES).map(([route, page]) => {
    const chunk = outputs.find((o) => meta.outputs[o]?.entryPoint?.endsWith(`pages/${page}.tsx`));
    const files = new Set(base);
    // The page's chunk and everything it loads, lazily loaded parts (graph, charts) included.
    if (chunk) for (const f of closure(meta, chunk, true)) files.add(f);
    const js = [...files].filter((f) => f.endsWith('.js'));
    return { route, files: js.length, gzip: js.reduce((n, f) => n + size(f), 0) };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchConsole(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'feltfit-console-bench-'));
  const { dir, metafile } = buildConsoleWithMetafile(out);
  console.log('\nconsole: JavaScript per route (minified + gzip), budget 100 KB');
  for (const r of routeBytes(metafile)) {
    const kb = (r.gzip / 1024).toFixed(1);
    console.log(
      `  ${r.route.padEnd(14)} ${kb.padStart(6)} KB in ${r.files} files ${r.gzip > BUDGET_BYTES ? 'OVER BUDGET' : ''}`,
    );
  }
  const css = gzipSync(readFileSync(join(dir, 'assets', 'main.css'))).length;
  console.log(
    `  stylesheet     ${(css / 1024).toFixed(1).padStart(6)} KB (${relative(out, join(dir, 'assets', 'main.css'))})`,
  );

  const adminToken = randomToken('admin_');
  const rt = await startRuntime({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'feltfit-console-bench-rt-')),
    writeKey: randomToken('ff_'),
    adminToken,
    inMemory: true,
    functionLogs: 'files',
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${rt.url}/?token=${adminToken}`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // Baseline: a static document of the same server without script (the runtime's health answer).
    const baseline: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await page.goto(`${rt.url}/health`);
      baseline.push(performance.now() - t0);
    }
    console.log(
      `\nconsole: time to first render, median of ${ROUNDS} cold navigations (headless Chromium, local runtime)`,
    );
    console.log(`  baseline (static /health)  ${median(baseline).toFixed(0)} ms`);
    for (const route of Object.keys(PAGES)) {
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        await page.goto(`${rt.url}${route}`);
        await page.locator('h1#page-title').waitFor();
        times.push(performance.now() - t0);
      }
      const m = median(times);
      console.log(
        `  ${route.padEnd(14)} ${m.toFixed(0).padStart(5)} ms  (${(m / median(baseline)).toFixed(1)}× baseline)`,
      );
    }
  } finally {
    await browser.close();
    await rt.stop();
  }
}
