/**
 * `feltfit outbox [list] [--limit N] [--json] [--dir DIR] | show FILE`: the local outbox, newest first.
 *
 * Directory: --dir, else OUTBOX_DIR, else `${FELTFIT_DATA_DIR:-.feltfit}/outbox`.
 */
import { join } from 'node:path';
import { listOutbox, readOutboxFile, showOutboxFile } from '../../../shared/adapters/outbox/outbox.js';
import { command, group, JSON_OPTION, parseGroup } from '../args.js';

const DIR = {
  dir: {
    type: 'string',
    value: 'DIR',
    describe: 'the outbox (else OUTBOX_DIR, else ${FELTFIT_DATA_DIR:-.feltfit}/outbox)',
  },
} as const;

/** `feltfit outbox`: its subcommands, options and examples (the help is generated from them). */
export const OUTBOX = group({
  name: 'outbox',
  summary: 'What the local runtime "sent": .eml for email, JSON for SMS and push, newest first.',
  defaultCommand: 'list',
  commands: {
    list: command({
      name: 'outbox list',
      summary: 'the newest messages (the default command)',
      options: {
        limit: { type: 'string', value: 'N', describe: 'at most N messages (default 50)' },
        ...JSON_OPTION,
        ...DIR,
      },
      examples: ['npx feltfit outbox list --limit 5'],
    }),
    show: command({
      name: 'outbox show',
      summary: 'one message decoded: headers and text',
      args: 'FILE',
      minArgs: 1,
      options: {
        html: { type: 'boolean', describe: 'the HTML part instead of the text' },
        raw: { type: 'boolean', describe: 'the file as stored' },
        ...DIR,
      },
      examples: ['npx feltfit outbox show 2026-12-01T09-00-00-000Z-msg_1.eml'],
      details: 'FILE is a name `feltfit outbox list` prints (its last column).',
    }),
  },
});

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** Runs the `outbox` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(OUTBOX, args, io);
  if (typeof parsed === 'number') return parsed;
  const dir = parsed.values.dir;
  const file = parsed.positionals[0];
  const limit = parsed.name === 'list' ? Number(parsed.values.limit ?? 50) : 50;
  if (!Number.isInteger(limit) || limit < 1) {
    io.err(
      'feltfit outbox list: --limit must be a whole number of at least 1 (see feltfit outbox list --help)\n',
    );
    return 2;
  }
  const target = dir ?? io.env.OUTBOX_DIR ?? join(io.env.FELTFIT_DATA_DIR ?? '.feltfit', 'outbox');
  try {
    if (parsed.name === 'show') {
      io.out(
        parsed.values.raw
          ? await readOutboxFile(target, file!)
          : await showOutboxFile(target, file!, { html: parsed.values.html === true }),
      );
      return 0;
    }
    const entries = await listOutbox(target, { limit });
    if (parsed.values.json) {
      io.out(`${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      io.out(`outbox ${target} is empty\n`);
      return 0;
    }
    for (const e of entries) {
      const what = e.subject ?? e.body ?? '';
      io.out(`${e.createdAt}  ${e.channel.padEnd(5)}  ${e.to}  ${what.slice(0, 60)}  ${e.file}\n`);
    }
    return 0;
  } catch (err) {
    io.err(`feltfit outbox: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
