/**
 * `feltfit audiences normalize --destination meta|google|tiktok|linkedin [FILE]`: each JSON line of
 * identifiers (stdin, or FILE) normalised and hashed as that destination documents it
 * (shared/domain/audiences/normalize.ts), one JSON line out per line in, so a sample can be checked
 * against a platform's own tool. Needs no running Feltfit. A line that is not an object of known
 * string fields is one error on stderr with its number; the others are still written, and the exit
 * code is 1 when any line failed.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import * as z from 'zod';
import {
  type AudienceDestination,
  type IdentifierField,
  normalizeIdentifiers,
  type RawIdentifiers,
} from '../../../shared/domain/audiences/normalize.js';
import { command, group, parseGroup } from '../args.js';
import { reportUnexpected } from '../errors.js';

/** The platforms a user checks a sample against (the S3 export has no matching tool). */
const DESTINATIONS = [
  'meta',
  'google',
  'tiktok',
  'linkedin',
] as const satisfies readonly AudienceDestination[];

/** The input's snake_case field names and the domain's. */
const FIELDS = {
  email: 'email',
  phone: 'phone',
  first_name: 'firstName',
  last_name: 'lastName',
  city: 'city',
  state: 'state',
  zip: 'zip',
  country: 'country',
  extern_id: 'externId',
  madid: 'madid',
} as const satisfies Record<string, IdentifierField>;
type InputField = keyof typeof FIELDS;

// Phones and zip codes often come as JSON numbers; null is an absent field.
const Value = z.union([z.string(), z.number().transform(String)]).nullish();
/** One input line. */
const IdentifierLine = z.strictObject({
  ...(Object.fromEntries(Object.keys(FIELDS).map((f) => [f, Value])) as Record<InputField, typeof Value>),
  madid_type: z.enum(['idfa', 'aaid']).nullish(),
});
type IdentifierLine = z.infer<typeof IdentifierLine>;

/** `feltfit audiences`: its subcommands, options and examples (the help is generated from them). */
export const AUDIENCES = group({
  name: 'audiences',
  summary: 'Paid-media audiences: check how identifiers are normalised and hashed per destination.',
  commands: {
    normalize: command({
      name: 'audiences normalize',
      summary: 'JSON lines of identifiers in, each field normalised and hashed for --destination out',
      args: '[FILE]',
      maxArgs: 1,
      options: {
        destination: {
          type: 'string',
          value: 'D',
          describe: `the platform's rules: ${DESTINATIONS.join(', ')}`,
        },
      },
      examples: ['npx feltfit audiences normalize --destination google examples/audience-identifiers.jsonl'],
      details: `Reads FILE, else stdin (… --destination meta < people.jsonl): one JSON object a line with any of
email, phone, first_name, last_name, city, state, zip, country, extern_id, madid and madid_type (idfa
or aaid). Writes one JSON line per input line: {"line":N, FIELD: {"normalized", "sha256"}} for a
hashed field, {"normalized", "unhashed": true} where the platform takes it in clear, {"invalid":
REASON} where it refuses it (docs/audiences.md#normalisation-and-hashing). A line that is not such an
object is an error on stderr with its number; the rest are still written, and the exit code is 1.`,
    }),
  },
});

/** Where the command reads and writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stdin: Readable & { readonly isTTY?: boolean };
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdin: process.stdin,
};

/** What one field became: its normalised value and hash, or why the destination refuses it. */
type FieldOutput =
  | { readonly normalized: string; readonly sha256: string }
  | { readonly normalized: string; readonly unhashed: true }
  | { readonly invalid: string };

/** The output line of one valid input line. */
export function normalizeLine(
  destination: AudienceDestination,
  line: number,
  input: IdentifierLine,
): Record<string, number | FieldOutput> {
  const raw: { -readonly [K in keyof RawIdentifiers]: RawIdentifiers[K] } = {};
  for (const [name, field] of Object.entries(FIELDS) as [InputField, IdentifierField][]) {
    const value = input[name];
    if (value !== undefined && value !== null) raw[field] = value;
  }
  if (input.madid_type) raw.madidType = input.madid_type;
  const result = normalizeIdentifiers(destination, raw);
  const out: Record<string, number | FieldOutput> = { line };
  for (const [name, field] of Object.entries(FIELDS) as [InputField, IdentifierField][]) {
    const sent = result.fields[field];
    const invalid = result.invalid[field];
    if (sent)
      out[name] = sent.hashed
        ? { normalized: sent.normalized, sha256: sent.value }
        : { normalized: sent.normalized, unhashed: true };
    else if (invalid) out[name] = { invalid };
  }
  return out;
}

/** The identifiers of one line, or why it is not an identifier object (one clause). */
function parseLine(text: string): string | IdentifierLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const parsed = IdentifierLine.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys')
    return `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')} (fields: ${[...Object.keys(FIELDS), 'madid_type'].join(', ')})`;
  if (issue && issue.path.length === 0) return 'not a JSON object';
  const field = String(issue?.path[0]);
  return field === 'madid_type' ? "'madid_type' must be idfa or aaid" : `'${field}' must be a string`;
}

/** Runs the `audiences` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(AUDIENCES, args, io);
  if (typeof parsed === 'number') return parsed;
  const name = 'feltfit audiences normalize';
  const destination = DESTINATIONS.find((d) => d === parsed.values.destination);
  if (!destination) {
    const given = parsed.values.destination;
    io.err(
      `${name}: ${given === undefined ? 'needs --destination' : `unknown destination '${given}'`} (${DESTINATIONS.join(', ')}) (see ${name} --help)\n`,
    );
    return 2;
  }
  const file = parsed.positionals[0];
  try {
    const input = file && file !== '-' ? createReadStream(file) : io.stdin;
    if (input === io.stdin && io.stdin.isTTY)
      io.err(`${name}: reading JSON lines from stdin (Ctrl-D ends)\n`);
    let n = 0;
    let failed = 0;
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      n++;
      if (text.trim() === '') continue;
      const line = parseLine(text);
      if (typeof line === 'string') {
        failed++;
        io.err(`${name}: line ${n}: ${line}\n`);
      } else io.out(`${JSON.stringify(normalizeLine(destination, n, line))}\n`);
    }
    if (failed > 0) io.err(`${name}: ${failed} of ${n} lines failed\n`);
    return failed > 0 ? 1 : 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      io.err(`${name}: cannot read ${file} (see ${name} --help)\n`);
      return 2;
    }
    return reportUnexpected('audiences', err, { err: io.err, env: process.env });
  }
}
