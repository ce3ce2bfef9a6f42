/**
 * `feltfit outbox [list] [--limit N] [--json] [--dir DIR] | show FILE`: the local outbox, newest first.
 *
 * Directory: --dir, else OUTBOX_DIR, else `${FELTFIT_DATA_DIR:-.feltfit}/outbox`.
 */
import { join } from 'node:path';
import { listOutbox, readOutboxFile, showOutboxFile } from '../../../shared/adapters/outbox/outbox.js';

const USAGE = `usage: feltfit outbox [list] [--limit N] [--json] [--dir DIR]
       feltfit outbox show FILE [--html | --raw] [--dir DIR]

Lists what the local runtime "sent": .eml for email, JSON for SMS and push.
show prints the message decoded (headers and text; --html the HTML part, --raw the file as stored).
The directory is --dir, else OUTBOX_DIR, else \${FELTFIT_DATA_DIR:-.feltfit}/outbox.
`;

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
  const positional: string[] = [];
  let limit = 50;
  let json = false;
  let html = false;
  let raw = false;
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--html') html = true;
    else if (arg === '--raw') raw = true;
    else if (arg === '--limit') limit = Number(args[++i]);
    else if (arg === '--dir') dir = args[++i];
    else if (arg === '--help' || arg === '-h') {
      io.out(USAGE);
      return 0;
    } else positional.push(arg);
  }
  const [command = 'list', file, ...extra] = positional;
  if (
    !Number.isInteger(limit) ||
    limit < 1 ||
    extra.length > 0 ||
    !['list', 'show'].includes(command) ||
    (command === 'show' && !file)
  ) {
    io.err(USAGE);
    return 2;
  }
  const target = dir ?? io.env.OUTBOX_DIR ?? join(io.env.FELTFIT_DATA_DIR ?? '.feltfit', 'outbox');
  try {
    if (command === 'show') {
      io.out(raw ? await readOutboxFile(target, file!) : await showOutboxFile(target, file!, { html }));
      return 0;
    }
    const entries = await listOutbox(target, { limit });
    if (json) {
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
