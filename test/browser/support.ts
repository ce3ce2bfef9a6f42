/**
 * Browser tests: the local runtime on the run's assembly, and Debian's Chromium driven by
 * playwright-core (`apt-get install -y chromium`; Playwright's own browser download cannot run here).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

/** The Chromium binary: CHROMIUM_PATH, else `chromium` on the PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error('Chromium is not installed: apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
}

export interface ConsoleHarness {
  readonly rt: TestRuntime;
  readonly browser: Browser;
  /** A new page (its own cookie jar) signed in with `token` (the admin token when omitted). */
  signedIn(token?: string): Promise<Page>;
  stop(): Promise<void>;
}

export async function startConsole(
  options: Parameters<typeof startTestRuntime>[0] = {},
): Promise<ConsoleHarness> {
  const rt = await startTestRuntime(options);
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  } catch (err) {
    await rt.stop();
    throw err;
  }
  return {
    rt,
    browser,
    signedIn: async (token = rt.adminToken) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${rt.url}/?token=${encodeURIComponent(token)}`);
      return page;
    },
    stop: async () => {
      await browser.close().catch(() => undefined);
      await rt.stop();
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical accessibility violations on the page, as axe-core finds them (WCAG 2 A/AA). */
export async function accessibilityViolations(
  page: Page,
): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol, which the console's CSP (script-src 'self') does not cover.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<any> } }).axe;
    const result = await axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
    });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')) }));
  });
}
