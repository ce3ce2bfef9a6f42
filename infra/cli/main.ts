/** `feltfit` command-line interface: one module per command group under ./commands. */
import { pathToFileURL } from 'node:url';
import { reportUnexpected } from './errors.js';

/** A command group: receives the arguments after its name, returns the exit code. */
export type CommandGroup = (args: string[]) => Promise<number>;

// Each group's own declaration (its module) generates `feltfit <group> --help`; this table stays
// separate so `feltfit --help` loads no command module (and no AWS SDK).
const groups: Record<string, { describe: string; example: string; load: () => Promise<CommandGroup> }> = {
  sources: {
    describe: 'create, revoke and list event sources and their write keys',
    example: 'npx feltfit sources list',
    load: async () => (await import('./commands/sources.js')).run,
  },
  content: {
    describe: 'generate, list, show and review content variants',
    example: 'npx feltfit content list --status pending_review',
    load: async () => (await import('./commands/content.js')).run,
  },
  outbox: {
    describe: 'list the local outbox (email, SMS and push the local runtime sent)',
    example: 'npx feltfit outbox list --limit 5',
    load: async () => (await import('./commands/outbox.js')).run,
  },
  dlq: {
    describe: 'list, show and redrive failed events (failure and dead-letter queues)',
    example: 'npx feltfit dlq list',
    load: async () => (await import('./commands/dlq.js')).run,
  },
  profiles: {
    describe: 'look up, export and erase a person’s data',
    example: 'npx feltfit profiles get --type email --value ada@example.com',
    load: async () => (await import('./commands/profiles.js')).run,
  },
  keys: {
    describe: 'the identity hash keyring: status, rotate, rehash (docs/privacy.md §8)',
    example: 'npx feltfit keys status',
    load: async () => (await import('./commands/keys.js')).run,
  },
  quality: {
    describe: 'data-quality report: freshness, completeness, duplicates, quarantine, dropped traits',
    example: 'npx feltfit quality',
    load: async () => (await import('./commands/quality.js')).run,
  },
  run: {
    describe: 'start a campaign run: a journey or one message for an audience, at a rate',
    example: 'npx feltfit run --input examples/run.json --wait',
    load: async () => (await import('./commands/run.js')).run,
  },
  models: {
    describe: 'fit, list, show and train predictive models (CLV, churn, propensity)',
    example: 'npx feltfit models list',
    load: async () => (await import('./commands/models.js')).run,
  },
  report: {
    describe: 'experiment lift, attribution, KPIs and fairness (text, --json, --html)',
    example: 'npx feltfit report --html report.html',
    load: async () => (await import('./commands/report.js')).run,
  },
  import: {
    describe: 'replay a history (Segment JSON lines or a CSV of orders) without enrolling the past',
    example: 'npx feltfit import examples/orders.csv --dry-run',
    load: async () => (await import('./commands/import.js')).run,
  },
  users: {
    describe: 'add, list and remove local console users and their roles (Cognito users in AWS)',
    example: 'npx feltfit users add ada --role marketer',
    load: async () => (await import('./commands/users.js')).run,
  },
  audiences: {
    describe: 'paid-media audiences: identifiers normalised and hashed as each platform documents it',
    example: 'npx feltfit audiences normalize --destination google examples/audience-identifiers.jsonl',
    load: async () => (await import('./commands/audiences.js')).run,
  },
  demo: {
    describe: 'fill a running Feltfit with a deterministic demo store (people, orders, consent, content)',
    example: 'npx feltfit demo --people 200',
    load: async () => (await import('./commands/demo.js')).run,
  },
};

function usage(): string {
  const lines = Object.entries(groups).map(
    ([name, g]) => `  ${name.padEnd(10)} ${g.describe}\n  ${''.padEnd(10)}   e.g. ${g.example}`,
  );
  return `usage: feltfit <command> [options]   (feltfit <command> --help for its subcommands and options)

commands:
${lines.join('\n')}

options for every command:
  --debug          print the stack of an unexpected error (or set FELTFIT_DEBUG=1)
  --region REGION  the AWS region for commands that call AWS (else AWS_REGION)
`;
}

/** Takes the options every command accepts (--debug, --region) out of argv, into the environment. */
function globalOptions(argv: readonly string[], env: NodeJS.ProcessEnv): string[] | string {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--debug') env.FELTFIT_DEBUG = '1';
    else if (arg === '--region' || arg.startsWith('--region=')) {
      const region = arg === '--region' ? argv[++i] : arg.slice('--region='.length);
      if (!region || region.startsWith('-')) return 'feltfit: --region needs a value (--region eu-west-1)';
      env.AWS_REGION = region;
    } else rest.push(arg);
  }
  return rest;
}

/** Entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // The AWS SDK prints eight lines on each call saying its 2027 releases need Node.js 22; on the
  // Node.js 20 this project supports that is noise. The SDK's documented switch (aws-sdk-js-v3#7983):
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = globalOptions(argv, process.env);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const group = groups[name];
  if (!group) {
    process.stderr.write(`feltfit: unknown command '${name}' (see feltfit --help)\n`);
    return 2;
  }
  try {
    return await (await group.load())(rest);
  } catch (err) {
    // What a command did not catch: one line, the stack only with --debug.
    return reportUnexpected(name, err, {
      err: (t) => process.stderr.write(t),
      env: process.env,
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
