/** `feltfit` command-line interface: one module per command group under ./commands. */
import { pathToFileURL } from 'node:url';

/** A command group: receives the arguments after its name, returns the exit code. */
export type CommandGroup = (args: string[]) => Promise<number>;

const groups: Record<string, { describe: string; load: () => Promise<CommandGroup> }> = {
  sources: {
    describe: 'create, revoke and list event sources and their write keys',
    load: async () => (await import('./commands/sources.js')).run,
  },
  content: {
    describe: 'generate, list, show and review content variants',
    load: async () => (await import('./commands/content.js')).run,
  },
  outbox: {
    describe: 'list the local outbox (email, SMS and push the local runtime sent)',
    load: async () => (await import('./commands/outbox.js')).run,
  },
  dlq: {
    describe: 'list, show and redrive failed events (failure and dead-letter queues)',
    load: async () => (await import('./commands/dlq.js')).run,
  },
  profiles: {
    describe: 'look up, export and erase a person’s data',
    load: async () => (await import('./commands/profiles.js')).run,
  },
  keys: {
    describe: 'the identity hash keyring: status, rotate, rehash (docs/privacy.md §8)',
    load: async () => (await import('./commands/keys.js')).run,
  },
  quality: {
    describe: 'data-quality report: freshness, completeness, duplicates, quarantine, dropped traits',
    load: async () => (await import('./commands/quality.js')).run,
  },
  run: {
    describe: 'start a campaign run: a journey or one message for an audience, at a rate',
    load: async () => (await import('./commands/run.js')).run,
  },
  models: {
    describe: 'fit, list, show and train predictive models (CLV, churn, propensity)',
    load: async () => (await import('./commands/models.js')).run,
  },
  report: {
    describe: 'experiment lift, attribution, KPIs and fairness (text, --json, --html)',
    load: async () => (await import('./commands/report.js')).run,
  },
  import: {
    describe: 'replay a history (Segment JSON lines or a CSV of orders) without enrolling the past',
    load: async () => (await import('./commands/import.js')).run,
  },
  users: {
    describe: 'add, list and remove local console users and their roles (Cognito users in AWS)',
    load: async () => (await import('./commands/users.js')).run,
  },
  demo: {
    describe: 'fill a running Feltfit with a deterministic demo store (people, orders, consent, content)',
    load: async () => (await import('./commands/demo.js')).run,
  },
};

function usage(): string {
  const lines = Object.entries(groups).map(([name, g]) => `  ${name.padEnd(10)} ${g.describe}`);
  return `usage: feltfit <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const group = groups[name];
  if (!group) {
    process.stderr.write(`feltfit: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await group.load())(rest);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
