import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildCli, currentBuild } from '../../../infra/cli/build.mjs';
import { main as sourceMain } from '../../../infra/cli/main.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
// Inside the repository (dist/ is gitignored), so the build's package imports resolve to node_modules.
mkdirSync(join(ROOT, 'dist'), { recursive: true });
const dist = mkdtempSync(join(ROOT, 'dist', 'test-cli-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

async function output(main: (argv: string[]) => Promise<number>, argv: string[]) {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    out += String(t);
    return true;
  });
  try {
    return { code: await main(argv), out };
  } finally {
    spy.mockRestore();
  }
}

function pointer(): { dir: string; builtAt: number; inputs: string[] } {
  return JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8'));
}

describe('the compiled CLI (dist/cli, what bin/feltfit.mjs runs)', () => {
  it('answers as the TypeScript does, and is current until a source changes', {
    timeout: 60_000,
  }, async () => {
    const dir = await buildCli(dist);
    expect(currentBuild(dist)).toBe(dir);
    expect(pointer().inputs).toContain(join(ROOT, 'infra/cli/main.ts'));
    expect(pointer().inputs).toContain(join(ROOT, 'infra/cli/commands/dlq.ts'));

    const compiled = (await import(pathToFileURL(join(dir, 'main.js')).href)) as { main: typeof sourceMain };
    for (const argv of [['--help'], ['dlq', 'redrive', '--help'], ['models', '--help']])
      expect(await output(compiled.main, argv)).toEqual(await output(sourceMain, argv));

    // A source edited after the build (its mtime later than builtAt) makes it stale.
    const source = join(dist, 'source.ts');
    writeFileSync(source, '');
    const p = pointer();
    writeFileSync(join(dist, 'current.json'), JSON.stringify({ ...p, inputs: [...p.inputs, source] }));
    utimesSync(source, new Date(p.builtAt - 1000), new Date(p.builtAt - 1000));
    expect(currentBuild(dist)).toBe(dir);
    utimesSync(source, new Date(p.builtAt + 1000), new Date(p.builtAt + 1000));
    expect(currentBuild(dist)).toBeUndefined();
    // So does a source that is gone.
    rmSync(source);
    expect(currentBuild(dist)).toBeUndefined();
  });

  it('lets builds run at once: each its own folder, current.json names a whole one', {
    timeout: 60_000,
  }, async () => {
    const dirs = await Promise.all([buildCli(dist), buildCli(dist)]);
    expect(new Set(dirs).size).toBe(2);
    expect(dirs).toContain(currentBuild(dist));
    for (const d of dirs) expect(readFileSync(join(d, 'main.js'), 'utf8')).toContain('function main(');
  });

  it('bundles no new module that finds files next to itself (a path that moves into dist/cli)', async () => {
    await buildCli(dist);
    const relative = pointer()
      .inputs.filter((f) => !f.includes('/node_modules/'))
      .filter((f) => /import\.meta\.(url|dirname|filename)|__dirname/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(ROOT.length));
    // main.ts only asks whether it is the entry point; lambda.ts's worker and node_modules paths are used
    // by `npm start`, never by a CLI command (dlq reaches it for the local queue store only).
    for (const file of relative) expect(['infra/cli/main.ts', 'infra/local/lambda.ts']).toContain(file);
    expect(relative).toContain('infra/cli/main.ts');
  });

  it('has none where nothing was built', () => {
    expect(currentBuild(join(dist, 'nothing-here'))).toBeUndefined();
  });
});

describe('bin/feltfit.mjs', () => {
  const bin = join(ROOT, 'bin/feltfit.mjs');
  async function feltfit(argv: string[], env: Record<string, string | undefined>) {
    const clean = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    return promisify(execFile)(process.execPath, [bin, ...argv], { cwd: ROOT, env: clean }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  }

  it('prints the same help compiled and through tsx (FELTFIT_CLI_SOURCE=1)', {
    timeout: 60_000,
  }, async () => {
    const compiled = await feltfit(['sources', '--help'], {});
    expect(compiled).toMatchObject({ code: 0, stderr: '' });
    expect(await feltfit(['sources', '--help'], { FELTFIT_CLI_SOURCE: '1' })).toEqual(compiled);
  });

  it('says a missing AWS region in one line: no SDK Node-version warning, no stack', {
    timeout: 60_000,
  }, async () => {
    const r = await feltfit(['dlq', 'list', '--aws'], {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(dist, 'no-config'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
      FELTFIT_DEBUG: undefined,
    });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'feltfit dlq list: set AWS_REGION (or --region REGION): the AWS SDK found no region for this AWS call\n',
    });
  });
});
