#!/usr/bin/env node
// `npm test`: lint → typecheck (server, console) → unit → integration → infra → e2e, stopping at the first failure.
// Each vitest project writes a JSON report into FELTFIT_TEST_REPORT_DIR when set (.ci/run sums them).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const reportDir = process.env.FELTFIT_TEST_REPORT_DIR;
const only = process.argv.slice(2);
const steps = [
  ['lint', ['npx', 'biome', 'check', '.']],
  ['typecheck', ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['typecheck console', ['npx', 'tsc', '--noEmit', '-p', 'console/tsconfig.json']],
  ...[['unit'], ['integration'], ['infra'], ['e2e', 'e2e-serial']].map(([p, ...more]) => [
    p,
    [
      'npx',
      'vitest',
      'run',
      ...[p, ...more].flatMap((name) => ['--project', name]),
      ...(reportDir
        ? ['--reporter=default', '--reporter=json', `--outputFile.json=${join(reportDir, `${p}.json`)}`]
        : []),
    ],
  ]),
];

for (const [name, cmd] of steps) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(r.status ?? 1);
  }
}
