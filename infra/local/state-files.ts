/**
 * Small JSON files the local runtime keeps in its data directory to survive a restart (Step Functions
 * executions, stream checkpoints): written atomically, read back through a schema.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as z from 'zod';

/** Folders already made by this process: a write need not make its folder again. */
const madeDirs = new Set<string>();

/**
 * Writes `value` as JSON to `path` through a temporary file and a rename, so a reader (or the next
 * start after Ctrl-C or a crash) sees the old file or the new one, never half of one. Synchronous:
 * callers write from event handlers whose order must be the order on disk. Not fsync'd: it survives
 * the process ending, not the machine losing power (a local runtime's trade-off).
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const dir = dirname(path);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const text = JSON.stringify(value);
    try {
      writeFileSync(tmp, text);
    } catch (err) {
      // The folder was removed since it was made: make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, text);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A state file that could not be read back: its path and why (it is skipped, not fatal). */
export interface UnreadableStateFile {
  readonly path: string;
  readonly reason: string;
}

/** Reads one JSON state file through `schema`; undefined when the file does not exist. */
export function readJsonFile<T>(
  path: string,
  schema: z.ZodType<T>,
): { value: T } | { unreadable: UnreadableStateFile } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { unreadable: { path, reason: err instanceof Error ? err.message : String(err) } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { unreadable: { path, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      unreadable: {
        path,
        reason: `unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      },
    };
  }
  return { value: parsed.data };
}

/**
 * Reads every `*.json` file under `dir` (one level of subfolders too) through `schema`: the values
 * read and the files that could not be. Leftover `*.tmp` files of an interrupted write are removed.
 */
export function readJsonDir<T>(
  dir: string,
  schema: z.ZodType<T>,
): { values: T[]; unreadable: UnreadableStateFile[] } {
  const values: T[] = [];
  const unreadable: UnreadableStateFile[] = [];
  const visit = (folder: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (depth > 0) visit(path, depth - 1);
      } else if (entry.name.endsWith('.tmp')) rmSync(path, { force: true });
      else if (entry.name.endsWith('.json')) {
        const read = readJsonFile(path, schema);
        if (!read) continue;
        if ('value' in read) values.push(read.value);
        else unreadable.push(read.unreadable);
      }
    }
  };
  visit(dir, 1);
  return { values, unreadable };
}
