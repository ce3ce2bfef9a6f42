/**
 * The CLI's one argument parser: `node:util` parseArgs over a declaration per command (its options,
 * each with a description, and examples), from which `--help` is generated too, so the help cannot
 * drift from what is accepted. A mistake is one line, `feltfit <cmd>: … (see feltfit <cmd> --help)`,
 * and exit code 2.
 */
import { parseArgs } from 'node:util';

/** One option: `--name VALUE` (string) or `--name` (boolean). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly describe: string;
  /** The value's placeholder in the help (`--limit N`); default VALUE. */
  readonly value?: string;
  /** May be given more than once (`--role admin --role viewer`): the values come as an array. */
  readonly multiple?: boolean;
}

export type Options = Readonly<Record<string, OptionSpec>>;

/** A command (or a group's subcommand): what `--help` shows and what the parser accepts. */
export interface CommandSpec<O extends Options = Options> {
  /** As typed after `feltfit`: `content list`, `import`. */
  readonly name: string;
  readonly summary: string;
  /** The positional arguments in the usage line: `ID`, `[MODEL]`, `FILE`. */
  readonly args?: string;
  /** How many positional arguments it takes (default 0 to 0). */
  readonly minArgs?: number;
  readonly maxArgs?: number;
  readonly options: O;
  /** Whole command lines, `npx feltfit …`, that work against a running `npm start`. */
  readonly examples: readonly [string, ...string[]];
  /** A paragraph after the options: where targets come from, what the output means. */
  readonly details?: string;
}

type Commands = Readonly<Record<string, CommandSpec>>;

/** A command group with subcommands (`feltfit content list|show|…`). */
export interface GroupSpec<C extends Commands = Commands> {
  readonly name: string;
  readonly summary: string;
  readonly commands: C;
  /** The subcommand run when none is named (`feltfit outbox` lists); else none is an error. */
  readonly defaultCommand?: string;
  readonly details?: string;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string;

/** The parsed options: absent ones are undefined. */
export type Values<O extends Options> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

/** Declares a command, keeping its option names and types for the parsed values. */
export function command<const O extends Options>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** Declares a group, keeping each subcommand's option names and types. */
export function group<const C extends Commands>(spec: GroupSpec<C>): GroupSpec<C> {
  return spec;
}

/** A parsed group command line: the subcommand's name, its options and positionals. */
export type Selected<C extends Commands> = {
  [K in keyof C & string]: {
    readonly name: K;
    readonly values: Values<C[K]['options']>;
    readonly positionals: string[];
  };
}[keyof C & string];

/** The `--json` option of the commands that print JSON instead of text. */
export const JSON_OPTION = { json: { type: 'boolean', describe: 'print JSON' } } as const;

/** A malformed command line; the message is the whole line to print. */
export class ArgsError extends Error {
  override readonly name = 'ArgsError';
}

const seeHelp = (name: string) => `(see feltfit ${name} --help)`;

function optionLines(options: Options): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple ? ' …' : ''}`,
    o.describe,
  ]);
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return rows.map(([flag, describe]) => `  ${flag!.padEnd(width)}${describe}`);
}

/** The help of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [
    `usage: feltfit ${spec.name}${spec.args ? ` ${spec.args}` : ''}${Object.keys(spec.options).length ? ' [options]' : ''}`,
    '',
    spec.summary,
    '',
    'options:',
    ...optionLines(spec.options),
    '',
    spec.examples.length > 1 ? 'examples:' : 'example:',
    ...spec.examples.map((e) => `  ${e}`),
  ];
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The help of a group: its subcommands and one example of each. */
export function groupHelp(group: GroupSpec<Commands>): string {
  const entries = Object.entries(group.commands);
  const width = Math.max(...entries.map(([n, c]) => `${n}${c.args ? ` ${c.args}` : ''}`.length)) + 2;
  const lines = [
    `usage: feltfit ${group.name} <command> [options]   (feltfit ${group.name} <command> --help for its options)`,
    '',
    group.summary,
    '',
    'commands:',
    ...entries.map(([n, c]) => `  ${`${n}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}${c.summary}`),
    '',
    'examples:',
    ...entries.map(([, c]) => `  ${c.examples[0]}`),
  ];
  if (group.details) lines.push('', group.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/**
 * Parses `args` (what follows the command's name) against `spec`: `{ help: true }` when --help is
 * among them, else the options and positionals. Throws ArgsError for anything the spec does not accept.
 */
export function parseCommand<O extends Options>(
  spec: CommandSpec<O>,
  args: readonly string[],
): { readonly help: true } | { readonly help: false; values: Values<O>; positionals: string[] } {
  if (args.some((a) => a === '--help' || a === '-h')) return { help: true };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ArgsError(`feltfit ${spec.name}: ${parseProblem(err, spec.options)} ${seeHelp(spec.name)}`, {
      cause: err,
    });
  }
  const { positionals } = parsed;
  const min = spec.minArgs ?? 0;
  const max = spec.maxArgs ?? min;
  if (positionals.length < min)
    throw new ArgsError(`feltfit ${spec.name}: expects ${spec.args ?? 'arguments'} ${seeHelp(spec.name)}`);
  if (positionals.length > max)
    throw new ArgsError(
      `feltfit ${spec.name}: unexpected argument '${positionals[max]}' ${seeHelp(spec.name)}`,
    );
  for (const [name, o] of Object.entries(spec.options)) {
    const v = parsed.values[name];
    if (o.type === 'string' && (v === '' || (Array.isArray(v) && v.includes(''))))
      throw new ArgsError(
        `feltfit ${spec.name}: --${name} needs a value (--${name} ${o.value ?? 'VALUE'}) ${seeHelp(spec.name)}`,
      );
  }
  return { help: false, values: parsed.values as Values<O>, positionals };
}

/** node:util's parse errors, said the way our help says options. */
function parseProblem(err: unknown, options: Options): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(e.message ?? '')?.[1] ?? '';
  const name = flag.replace(/^-+/, '');
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return options[name]?.type === 'boolean'
      ? `--${name} takes no value`
      : `--${name} needs a value (--${name} ${options[name]?.value ?? 'VALUE'})`;
  return e.message ?? String(err);
}

/**
 * For a group: the subcommand named first in `args` (or the group's default) and the arguments after
 * it; `{ help }` for `feltfit <group> --help`. Throws ArgsError for an unknown or missing one.
 */
export function selectCommand(
  group: GroupSpec<Commands>,
  args: readonly string[],
): { readonly help: true } | { readonly help: false; readonly name: string; readonly rest: string[] } {
  const [first, ...rest] = args;
  if (isHelp(first)) return { help: true };
  if (first !== undefined && Object.hasOwn(group.commands, first)) return { help: false, name: first, rest };
  if (group.defaultCommand && (first === undefined || first.startsWith('-')))
    return { help: false, name: group.defaultCommand, rest: [...args] };
  throw new ArgsError(
    first === undefined
      ? `feltfit ${group.name}: name a command: ${Object.keys(group.commands).join(', ')} ${seeHelp(group.name)}`
      : `feltfit ${group.name}: unknown command '${first}' ${seeHelp(group.name)}`,
  );
}

/** Where a command writes. */
interface Out {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Parses a group's command line the way every command does: help printed (exit 0) or a one-line
 * mistake (exit 2) come back as a number; otherwise the subcommand and its parsed arguments.
 */
export function parseGroup<C extends Commands>(
  group: GroupSpec<C>,
  args: readonly string[],
  io: Out,
): number | Selected<C> {
  try {
    const selected = selectCommand(group, args);
    if (selected.help) {
      io.out(groupHelp(group));
      return 0;
    }
    const spec = group.commands[selected.name]!;
    const parsed = parseCommand(spec, selected.rest);
    if (parsed.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    return { name: selected.name, values: parsed.values, positionals: parsed.positionals } as Selected<C>;
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** As parseGroup, for a command without subcommands. */
export function parseSingle<O extends Options>(
  spec: CommandSpec<O>,
  args: readonly string[],
  io: Out,
): number | { readonly values: Values<O>; readonly positionals: string[] } {
  try {
    const parsed = parseCommand(spec, args);
    if (parsed.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    return parsed;
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
