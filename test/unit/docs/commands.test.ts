/**
 * Every shell command in the fenced ```sh / ```bash blocks of README.md and docs/*.md, checked as
 * written from the repository root:
 *
 * - `npx feltfit <group> [<command>] --flags…`: the group exists, its `--help` lists the command (when
 *   the group has commands), and the command's `--help` (else the group's) every flag the doc passes;
 * - `npm start|test|run X`: the script is in package.json; `npx <bin>`: the bin is installed;
 * - every argument that names a file (an input: not the value of `--out` or `--html`) exists in the
 *   repository;
 * - a block marked `<!-- needs: … -->` on the line before its fence needs what it says (`npm start`: a
 *   running local runtime; `aws`: an account and credentials; `minutes`: it runs for minutes or until
 *   Ctrl-C) and is only checked as above. The commands of an unmarked block are run for real — each a
 *   `feltfit` command, from the repository root with an empty FELTFIT_DATA_DIR — and must exit 0.
 *
 * Inline code spans of prose that start with `npx feltfit ` or `npm run ` are checked for their group,
 * command and script only.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const NEEDS = new Set(['npm start', 'aws', 'minutes']);
/** Programs the docs may name besides feltfit, npm and npx: nothing of theirs is checked but files. */
const EXTERNAL = new Set(['curl', 'aws', 'export', 'cut', 'base64', 'brotli']);
/** Flags whose value is a file the command writes. */
const OUTPUT_FLAGS = new Set(['--out', '--html']);
const FILE_LIKE = /^[\w.-]+(\/[\w.-]+)*\.(csv|json|jsonl|ndjson|html|eml|md|ts|mjs)$|^[\w.-]+\/[\w./-]+$/;

interface DocCommand {
  readonly where: string;
  readonly words: readonly string[];
  readonly needs: readonly string[];
}

/** Splits a shell line into words: quotes, `$( … )`, and a `#` at a word's start ending the line. */
function shellWords(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const push = () => {
    if (word !== undefined) commands.at(-1)?.push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unclosed ${c} in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + line.slice(i, j + 1);
      i = j;
    } else if (/\s/.test(c)) push();
    else if (c === '#' && word === undefined) break;
    else if (c === '&' && line[i + 1] === '&') {
      push();
      commands.push([]);
      i++;
    } else word = (word ?? '') + c;
  }
  push();
  return commands.filter((c) => c.length > 0);
}

/** The commands of one markdown file's shell blocks, with the block's `needs` marker. */
function blockCommands(file: string): DocCommand[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(sh|bash)\s*$/.exec(lines[i] as string);
    if (!fence) continue;
    const marker = /^<!--\s*needs:\s*(.+?)\s*-->$/.exec(lines[i - 1] ?? '');
    const needs = marker ? (marker[1] as string).split(/\s*,\s*/) : [];
    for (const n of needs) if (!NEEDS.has(n)) throw new Error(`${file}:${i}: unknown needs '${n}'`);
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).startsWith('```')) {
      const start = j;
      let text = lines[j] as string;
      while (text.endsWith('\\') && j + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++j]}`;
      for (const words of shellWords(text)) out.push({ where: `${file}:${start + 1}`, words, needs });
      j++;
    }
    i = j;
  }
  return out;
}

/** `npx feltfit …` and `npm run …` in the prose's inline code spans. */
function inlineCommands(file: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  let fenced = false;
  lines.forEach((line, n) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    for (const m of line.matchAll(/`((?:npx feltfit|npm run) [^`]+)`/g)) {
      const words = (m[1] as string).split(/\s+/).filter((w) => !/[<>|[\]…]/.test(w));
      out.push({ where: `${file}:${n + 1}`, words, needs: ['inline'] });
    }
  });
  return out;
}

/** The words after leading `NAME=value` assignments, and those assignments. */
function split(words: readonly string[]): { env: Record<string, string>; argv: string[] } {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i] as string); i++) {
    const [name, ...value] = (words[i] as string).split('=');
    env[name as string] = value.join('=');
  }
  return { env, argv: words.slice(i) };
}

const placeholder = (w: string) => /[<>…]/.test(w) || /^[A-Z][A-Z_]*$/.test(w);

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-docs-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function feltfit(argv: readonly string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/feltfit.mjs'), ...argv], {
      cwd: ROOT,
      env: { ...process.env, FELTFIT_DATA_DIR: dataDir, ...env },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const helpOf = new Map<string, Promise<{ code: number; text: string }>>();
/** `feltfit <group> [<command>] --help`, asked once per command line. */
function help(...names: string[]) {
  const key = names.join(' ');
  let h = helpOf.get(key);
  if (!h) {
    h = feltfit([...names, '--help']).then((r) => ({ code: r.code, text: r.stdout + r.stderr }));
    helpOf.set(key, h);
  }
  return h;
}

/** The commands a group's help names: `feltfit <group> <command>` lines and a `commands:` list. */
function subcommands(group: string, text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`feltfit ${group} \\[?([a-z][a-z-]*)`, 'g')))
    names.add(m[1] as string);
  const list = text.split(/^commands:$/m)[1];
  if (list) for (const m of list.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)) names.add(m[1] as string);
  return names;
}

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** What is wrong with a command as the docs write it; empty when nothing is. */
async function problems(c: DocCommand): Promise<string[]> {
  const { argv } = split(c.words);
  const [program, ...args] = argv;
  const found: string[] = [];
  if (program === undefined) return found; // an assignment only (POOL=$(aws …))
  if (program === 'npx' && args[0] === 'feltfit') {
    const [group, ...rest] = args.slice(1);
    if (!group) return [`${c.where}: feltfit without a command`];
    const h = await help(group);
    if (h.code !== 0)
      return [`${c.where}: 'feltfit ${group} --help' exits ${h.code}: ${h.text.split('\n')[0]}`];
    const commands = subcommands(group, h.text);
    const first = rest[0];
    if (
      commands.size > 0 &&
      first &&
      /^[a-z][a-z-]*$/.test(first) &&
      !FILE_LIKE.test(first) &&
      !commands.has(first)
    )
      found.push(`${c.where}: 'feltfit ${group}' has no command '${first}' (${[...commands].join(', ')})`);
    // A command's flags are in its own help (`feltfit dlq redrive --help`), a group's in the group's.
    const named = first && commands.has(first) ? [group, first] : [group];
    const flagsHelp = named.length > 1 ? await help(...named) : h;
    for (const w of rest) {
      const flag = w.split('=')[0] as string;
      if (flag.startsWith('--') && !new RegExp(`${flag}\\b`).test(flagsHelp.text))
        found.push(`${c.where}: 'feltfit ${named.join(' ')} --help' does not mention ${flag}`);
    }
  } else if (program === 'npm') {
    const [verb, script] = args;
    const name = verb === 'run' ? script : verb === 'start' || verb === 'test' ? verb : undefined;
    if (verb === 'run' && !script) found.push(`${c.where}: npm run without a script`);
    if (name && !packageJson.scripts[name]) found.push(`${c.where}: package.json has no script '${name}'`);
    if (!name && !['ci', 'i', 'install'].includes(verb ?? ''))
      found.push(`${c.where}: unexpected npm ${verb}`);
  } else if (program === 'npx') {
    if (!existsSync(join(ROOT, 'node_modules/.bin', args[0] ?? '')))
      found.push(`${c.where}: npx ${args[0]} is not an installed bin`);
  } else if (!EXTERNAL.has(program)) found.push(`${c.where}: unknown program '${program}'`);
  if (c.needs.includes('inline')) return found;
  args.forEach((w, i) => {
    if (OUTPUT_FLAGS.has(args[i - 1] ?? '') || placeholder(w) || w.includes('://')) return;
    const path = w.includes('=') && !w.startsWith('-') ? (w.split('=').at(-1) as string) : w;
    if (!path.startsWith('-') && FILE_LIKE.test(path) && !existsSync(join(ROOT, path)))
      found.push(`${c.where}: no file ${path} in the repository`);
  });
  if (c.needs.length === 0 && !(program === 'npx' && args[0] === 'feltfit'))
    found.push(`${c.where}: '${program}' cannot run offline here: mark its block <!-- needs: … -->`);
  return found;
}

const blocks = DOCS.flatMap(blockCommands);
const inline = DOCS.flatMap(inlineCommands);

describe('the commands in README.md and docs/', () => {
  it('finds the shell blocks of the README and the docs', () => {
    expect(blocks.length).toBeGreaterThan(40);
    expect(new Set(blocks.map((c) => c.where.split(':')[0])).size).toBeGreaterThanOrEqual(4);
  });

  it('names only commands, scripts, flags and files that exist', { timeout: 300_000 }, async () => {
    const all = [...blocks, ...inline];
    const found = (await Promise.all(all.map(problems))).flat();
    process.stdout.write(
      `docs commands: ${blocks.length} in shell blocks, ${inline.length} inline, ${found.length} failing\n`,
    );
    expect(found).toEqual([]);
  });

  it('runs every command of an unmarked block from the repository root, exiting 0', {
    timeout: 300_000,
  }, async () => {
    const runnable = blocks.filter((c) => c.needs.length === 0);
    expect(runnable.length).toBeGreaterThan(0);
    const failed: string[] = [];
    for (const c of runnable) {
      const { env, argv } = split(c.words);
      const r = await feltfit(argv.slice(2), env);
      if (r.code !== 0) failed.push(`${c.where}: exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
    }
    process.stdout.write(`docs commands run: ${runnable.length}, failed ${failed.length}\n`);
    expect(failed).toEqual([]);
  });
});
