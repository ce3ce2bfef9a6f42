import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CommandSpec, commandHelp, groupHelp, parseCommand } from '../../../infra/cli/args.js';
import { AUDIENCES } from '../../../infra/cli/commands/audiences.js';
import { CONTENT } from '../../../infra/cli/commands/content.js';
import { DEMO } from '../../../infra/cli/commands/demo.js';
import { DLQ } from '../../../infra/cli/commands/dlq.js';
import { IMPORT } from '../../../infra/cli/commands/import.js';
import { KEYS } from '../../../infra/cli/commands/keys.js';
import { MODELS } from '../../../infra/cli/commands/models.js';
import { OUTBOX } from '../../../infra/cli/commands/outbox.js';
import { PROFILES } from '../../../infra/cli/commands/profiles.js';
import { QUALITY } from '../../../infra/cli/commands/quality.js';
import { REPORT } from '../../../infra/cli/commands/report.js';
import { RUN } from '../../../infra/cli/commands/run.js';
import { SOURCES } from '../../../infra/cli/commands/sources.js';
import { USERS } from '../../../infra/cli/commands/users.js';
import { explain } from '../../../infra/cli/errors.js';
import { main } from '../../../infra/cli/main.js';

const GROUPS = [AUDIENCES, CONTENT, DLQ, KEYS, MODELS, OUTBOX, PROFILES, SOURCES, USERS];
const SINGLES: CommandSpec[] = [DEMO, IMPORT, QUALITY, REPORT, RUN];
const ALL: CommandSpec[] = [...SINGLES, ...GROUPS.flatMap((g) => Object.values(g.commands))];

/** Splits a command line as a POSIX shell does for the quoting our examples use. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

async function feltfit(...argv: string[]) {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    out += String(t);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
    err += String(t);
    return true;
  });
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('feltfit --help', () => {
  it('lists every command with an example', async () => {
    const { code, out } = await feltfit('--help');
    expect(code).toBe(0);
    for (const name of [...GROUPS.map((g) => g.name), ...SINGLES.map((c) => c.name)]) {
      expect(out).toMatch(new RegExp(`^ {2}${name} .*\\n +e\\.g\\. npx feltfit ${name}\\b`, 'm'));
    }
  });

  it.each(GROUPS.map((g) => [g.name, g] as const))(
    'feltfit %s --help names each subcommand and an example',
    async (name, group) => {
      const { code, out } = await feltfit(name, '--help');
      expect(code).toBe(0);
      expect(out).toBe(groupHelp(group));
      for (const sub of Object.keys(group.commands)) expect(out).toMatch(new RegExp(`^ {2}${sub}\\b`, 'm'));
      expect(out).toMatch(new RegExp(`^examples:\\n {2}npx feltfit ${name} `, 'm'));
    },
  );

  it.each(ALL.map((c) => [c.name, c] as const))(
    'feltfit %s --help shows its options and an example',
    async (name, spec) => {
      const { code, out } = await feltfit(...name.split(' '), '--help');
      expect(code).toBe(0);
      expect(out).toBe(commandHelp(spec));
      expect(out).toMatch(new RegExp(`^examples?:\\n {2}npx feltfit ${name}\\b`, 'm'));
      for (const option of Object.keys(spec.options)) expect(out).toContain(`--${option}`);
    },
  );

  it.each(ALL.flatMap((c) => c.examples.map((e) => [e, c] as const)))(
    'the example %s is a command line its command accepts',
    (example, spec) => {
      const [npx, feltfitWord, ...rest] = words(example);
      expect([npx, feltfitWord]).toEqual(['npx', 'feltfit']);
      const name = spec.name.split(' ');
      expect(rest.slice(0, name.length)).toEqual(name);
      expect(() => parseCommand(spec, rest.slice(name.length))).not.toThrow();
    },
  );
});

describe('the examples that need no running Feltfit', () => {
  it('run: outbox list, users list, dlq list, models fit clv, audiences normalize', async () => {
    vi.stubEnv('FELTFIT_DATA_DIR', mkdtempSync(join(tmpdir(), 'feltfit-help-')));
    vi.stubEnv('OUTBOX_DIR', undefined);
    for (const example of [
      OUTBOX.commands.list.examples[0],
      USERS.commands.list.examples[0],
      DLQ.commands.list.examples[0],
      MODELS.commands.fit.examples[0],
      AUDIENCES.commands.normalize.examples[0],
    ]) {
      const r = await feltfit(...words(example).slice(2));
      expect(r, example).toMatchObject({ code: 0, err: '' });
      expect(r.out.length, example).toBeGreaterThan(0);
    }
  });
});

describe('a mistake is one line', () => {
  it('for an unknown option, naming the help, exit 2', async () => {
    expect(await feltfit('sources', 'list', '--tabel', 'x')).toEqual({
      code: 2,
      out: '',
      err: 'feltfit sources list: unknown option --tabel (see feltfit sources list --help)\n',
    });
  });

  it('for a missing value, saying what goes there', async () => {
    const r = await feltfit('content', 'list', '--limit');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(
      'feltfit content list: --limit needs a value (--limit N) (see feltfit content list --help)\n',
    );
  });

  it('for an unknown command', async () => {
    expect((await feltfit('sorces')).err).toBe("feltfit: unknown command 'sorces' (see feltfit --help)\n");
    expect((await feltfit('keys', 'spin')).err).toBe(
      "feltfit keys: unknown command 'spin' (see feltfit keys --help)\n",
    );
  });
});

/** A data folder whose runtime.json says `runtime`, for `feltfit sources list` to find its table in. */
function runtimeFile(runtime: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'feltfit-runtime-'));
  const file = join(dir, 'runtime.json');
  writeFileSync(file, JSON.stringify(runtime));
  vi.stubEnv('FELTFIT_DATA_DIR', dir);
  vi.stubEnv('FELTFIT_CONTROL_TABLE', undefined);
  return file;
}

describe('a runtime that is not running', () => {
  it('is said so, and a runtime.json left by a stopped one is removed', async () => {
    // A pid no process has: the kernel's pid_max is at most 2^22.
    const file = runtimeFile({ pid: 2 ** 22 + 1, url: 'http://localhost:1', env: {} });
    const r = await feltfit('sources', 'list');
    expect(r).toEqual({
      code: 1,
      out: '',
      err: `feltfit sources: the local runtime is not running (start it with \`npm start\`); removed the stale ${file}\n`,
    });
    expect(existsSync(file)).toBe(false);
  });

  it('is said so when nothing answers at its address (a refused connection, no stack)', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    runtimeFile({
      pid: process.pid,
      dynamodbEndpoint: `http://127.0.0.1:${closed}`,
      env: { CONTROL_TABLE: 'control' },
    });
    const r = await feltfit('sources', 'list');
    expect(r).toEqual({
      code: 1,
      out: '',
      err: 'feltfit sources: the local runtime is not running (start it with `npm start`)\n',
    });
  });

  it('names a remote address that refuses, and a missing AWS region', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), {
      code: 'ECONNREFUSED',
      address: '10.0.0.5',
      port: 443,
    });
    expect(explain(new TypeError('fetch failed', { cause: refused }))).toBe(
      'nothing answers at 10.0.0.5:443 (connection refused)',
    );
    expect(explain(new Error('Region is missing'))).toMatch(/^set AWS_REGION \(or --region REGION\)/);
  });
});
