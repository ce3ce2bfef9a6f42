/**
 * `feltfit content list [--status S] [--limit N] | show ID | review ID --approve|--reject
 *  --comment "…" [--edit-file F] [--reviewer NAME] | generate --brief-file F`.
 *
 * Target: `--table` or FELTFIT_CONTENT_TABLE (endpoint: AWS_ENDPOINT_URL_DYNAMODB), else the local
 * runtime's `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`. Playbook and model settings come from the
 * same variables as the functions (CONTENT_CONFIG, BEDROCK_MODEL_ID, BEDROCK_GUARDRAIL_ID/VERSION);
 * without a guardrail, edits are checked by the local guardrail.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { contentAdapters, parseContentEnv } from '../../../shared/adapters/bedrock/wiring.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { reviewVariant } from '../../../shared/domain/content/review.js';
import { Brief, ContentBody, type Variant, VariantStatus } from '../../../shared/domain/content/schemas.js';
import { ClientError } from '../../../shared/domain/errors.js';
import { command as declare, group, parseGroup } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { resolveTable, TargetNotFoundError, tableDetails, tableOption } from '../target.js';

const TABLE = tableOption('content', 'CONTENT_TABLE');

/** `feltfit content`: its subcommands, options and examples (the help is generated from them). */
export const CONTENT = group({
  name: 'content',
  summary: 'Generate, list, show and review content variants.',
  details: tableDetails('content', 'CONTENT_TABLE'),
  commands: {
    list: declare({
      name: 'content list',
      summary: 'variants by status',
      options: {
        status: {
          type: 'string',
          value: 'S',
          describe: 'pending_review (default), approved or rejected',
        },
        limit: { type: 'string', value: 'N', describe: 'at most N variants, 1..100 (default 50)' },
        ...TABLE,
      },
      examples: ['npx feltfit content list --status pending_review'],
    }),
    show: declare({
      name: 'content show',
      summary: 'a variant, its checks and its audit trail',
      args: 'ID',
      minArgs: 1,
      options: TABLE,
      examples: ['npx feltfit content show 0b8e2f3c-6c1d-4c5e-9a41-2f1e5d7c9b10'],
      details: 'ID is what `feltfit content list` prints first on each line.',
    }),
    review: declare({
      name: 'content review',
      summary: 'decide on a pending variant',
      args: 'ID',
      minArgs: 1,
      options: {
        approve: { type: 'boolean', describe: 'approve it (or --reject)' },
        reject: { type: 'boolean', describe: 'reject it' },
        comment: { type: 'string', value: '"…"', describe: 'why (kept in the audit trail)' },
        'edit-file': {
          type: 'string',
          value: 'F',
          describe: 'JSON with the fields to change before deciding',
        },
        reviewer: {
          type: 'string',
          value: 'NAME',
          describe: 'who decides (else FELTFIT_REVIEWER, then USER)',
        },
        ...TABLE,
      },
      examples: [
        'npx feltfit content review 0b8e2f3c-6c1d-4c5e-9a41-2f1e5d7c9b10 --approve --comment "on brand"',
      ],
      details: 'ID is what `feltfit content list` prints first on each line.',
    }),
    generate: declare({
      name: 'content generate',
      summary: 'generate variants for a brief (JSON)',
      options: { 'brief-file': { type: 'string', value: 'F', describe: 'the brief' }, ...TABLE },
      examples: ['npx feltfit content generate --brief-file examples/brief.json'],
      details: `Playbook and model settings come from the same variables as the functions (CONTENT_CONFIG,
BEDROCK_MODEL_ID, BEDROCK_GUARDRAIL_ID/VERSION); without a guardrail, edits are checked by the local
guardrail.`,
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

/** A usage or input problem in the command line itself. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function resolveTarget(table: string | undefined, env: Io['env']) {
  try {
    return await resolveTable(table, env, 'CONTENT_TABLE', 'content');
  } catch (err) {
    if (err instanceof TargetNotFoundError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    throw new UsageError(`cannot read JSON from ${path}`, { cause: err });
  }
}

function describeVariant(v: Variant): string {
  const lines = [
    `id         ${v.id}`,
    `status     ${v.status}${v.rejectionReason ? ` (${v.rejectionReason})` : ''}`,
    `channel    ${v.channel}   intent ${v.intent}   segment ${v.segment}${v.needsHuman ? '   needs a person' : ''}`,
    `generator  ${v.metadata.generator} (${v.metadata.model})`,
    `guardrail  ${v.guardrail.status}${v.guardrail.status === 'intervened' ? `: ${v.guardrail.reason}` : ''}`,
    `checks     ${v.checks.passed ? 'passed' : 'FAILED'}`,
    ...v.checks.failures.map((f) => `  - ${f.code}: ${f.detail}`),
  ];
  if (v.review) {
    lines.push(
      `review     ${v.review.decision} by ${v.review.reviewer} at ${v.review.at}${v.review.edited ? ' (edited)' : ''}: ${v.review.comment}`,
    );
  }
  if (v.content) {
    lines.push(
      '',
      ...Object.entries(v.content)
        .filter(([k]) => k !== 'type')
        .map(([k, t]) => `--- ${k}\n${t}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the `content` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(CONTENT, args, io);
  if (typeof parsed === 'number') return parsed;
  const command = parsed.name;
  const id = parsed.positionals[0];
  // One record of every subcommand's options: each reads only its own.
  const flags: {
    table?: string;
    status?: string;
    limit?: string;
    approve?: boolean;
    reject?: boolean;
    comment?: string;
    'edit-file'?: string;
    reviewer?: string;
    'brief-file'?: string;
  } = parsed.values;
  try {
    const target = await resolveTarget(flags.table, io.env);
    const client = documentClient(
      target.local
        ? {
            endpoint: target.endpoint,
            region: io.env.AWS_REGION ?? 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {},
    );
    const adapters = contentAdapters(parseContentEnv({ ...io.env, CONTENT_TABLE: target.tableName }), client);

    if (command === 'list') {
      const status = VariantStatus.safeParse(flags.status ?? 'pending_review');
      if (!status.success)
        throw new UsageError(`--status must be one of ${VariantStatus.options.join(', ')}`);
      const limit = Number(flags.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new UsageError('--limit must be 1..100');
      const page = await adapters.store.listByStatus(status.data, { limit });
      if (page.variants.length === 0) io.out(`no ${status.data} variants\n`);
      for (const v of page.variants) {
        io.out(
          `${v.id}  ${v.channel.padEnd(19)} ${v.intent.padEnd(20)} ${v.checks.passed ? 'checks ok  ' : 'checks FAIL'}  ${v.updatedAt}\n`,
        );
      }
      return 0;
    }
    if (command === 'show') {
      const variant = await adapters.store.get(id!);
      if (!variant) throw new UsageError(`no variant ${id}`);
      io.out(describeVariant(variant));
      for (const a of await adapters.store.audit(id!)) {
        io.out(
          a.kind === 'generated'
            ? `audit ${a.at} generated by ${a.generator} (${a.model}), ${a.usage.inputTokens}+${a.usage.outputTokens} tokens\n`
            : `audit ${a.at} ${a.decision} by ${a.reviewer}${a.edited ? ' with an edit' : ''}: ${a.comment}\n`,
        );
      }
      return 0;
    }
    if (command === 'generate') {
      if (typeof flags['brief-file'] !== 'string') throw new UsageError('generate needs --brief-file F');
      const brief = Brief.safeParse(await readJson(flags['brief-file']));
      if (!brief.success)
        throw new UsageError(`invalid brief: ${brief.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      const result = await generateContent(
        { ...adapters, now: () => new Date(), newId: randomUUID },
        brief.data,
      );
      for (const v of result.variants) {
        io.out(
          `${v.id}  ${v.status}  ${v.checks.passed ? 'checks ok' : `checks FAIL: ${v.checks.failures.map((f) => f.code).join(', ')}`}\n`,
        );
      }
      return 0;
    }
    // review
    if ((flags.approve === true) === (flags.reject === true))
      throw new UsageError('give exactly one of --approve or --reject');
    if (typeof flags.comment !== 'string') throw new UsageError('review needs --comment "…"');
    const reviewer =
      typeof flags.reviewer === 'string' ? flags.reviewer : (io.env.FELTFIT_REVIEWER ?? io.env.USER);
    if (!reviewer) throw new UsageError('no reviewer: pass --reviewer NAME or set FELTFIT_REVIEWER');
    let edited: ContentBody | undefined;
    if (typeof flags['edit-file'] === 'string') {
      const current = await adapters.store.get(id!);
      if (!current) throw new UsageError(`no variant ${id}`);
      const patch = await readJson(flags['edit-file']);
      if (typeof patch !== 'object' || patch === null)
        throw new UsageError('the edit file must hold a JSON object');
      const merged = ContentBody.safeParse({ ...(current.content ?? {}), ...patch, type: current.channel });
      if (!merged.success)
        throw new UsageError(`invalid edit: ${merged.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      edited = merged.data;
    }
    const variant = await reviewVariant(
      {
        config: adapters.config,
        store: adapters.store,
        guardrail: adapters.guardrail,
        now: () => new Date(),
      },
      id!,
      {
        decision: flags.approve === true ? 'approve' : 'reject',
        comment: flags.comment,
        reviewer,
        ...(edited ? { edited } : {}),
      },
    );
    io.out(`variant ${variant.id} is now ${variant.status}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`feltfit content ${command}: ${err.message} (see feltfit content ${command} --help)\n`);
      return 2;
    }
    if (err instanceof ClientError) {
      const checks = (err.details as { checks?: { failures?: { code: string; detail: string }[] } }).checks;
      io.err(`feltfit content: ${err.message} (${err.code})\n`);
      for (const f of checks?.failures ?? []) io.err(`  - ${f.code}: ${f.detail}\n`);
      const g = (err.details as { guardrail?: { status?: string; reason?: string } }).guardrail;
      if (g?.status === 'intervened') io.err(`  - guardrail: ${g.reason}\n`);
      return 1;
    }
    return reportUnexpected('content', err, io);
  }
}
