#!/usr/bin/env node
// `npm test`: lint, typecheck (server, console) and unit → integration and infra → e2e, stopping at the
// first failure. The steps of a stage run at once (tsc uses one core, the unit tests' workers and biome
// the rest); their output is printed whole, a step at a time, as each ends. e2e runs alone, last: its
// serial group loads the machine on purpose, and its journeys wait on scaled time.
// Each vitest project writes a JSON report into FELTFIT_TEST_REPORT_DIR when set (.ci/run sums them).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const reportDir = process.env.FELTFIT_TEST_REPORT_DIR;
const only = process.argv.slice(2);
const vitest = (p, ...more) => [
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
];
const stages = [
  [
    ['lint', ['npx', 'biome', 'check', '.']],
    ['typecheck', ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json']],
    ['typecheck console', ['npx', 'tsc', '--noEmit', '-p', 'console/tsconfig.json']],
    vitest('unit'),
  ],
  [vitest('integration'), vitest('infra')],
  [vitest('e2e', 'e2e-serial')],
];

const running = new Set();
/** Ends every step still running (each is its own process group: npx, vitest and its workers). */
function stopAll() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** Runs one step; alone, its output goes straight to the terminal, else it is kept until it ends. */
function run([name, cmd], alone) {
  const started = Date.now();
  if (alone) console.log(`\n▶ ${name}`);
  const child = spawn(cmd[0], cmd.slice(1), {
    stdio: alone ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  const output = [];
  child.stdout?.on('data', (d) => output.push(d));
  child.stderr?.on('data', (d) => output.push(d));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      if (!alone) {
        console.log(`\n▶ ${name}`);
        process.stdout.write(Buffer.concat(output));
      }
      console.log(`${code === 0 ? '✔' : '✖'} ${name} (${Math.round((Date.now() - started) / 1000)} s)`);
      resolve({ name, code: code ?? (signal ? 1 : 0) });
    });
  });
}

for (const stage of stages) {
  const steps = stage.filter(([name]) => !only.length || only.includes(name));
  if (!steps.length) continue;
  const failed = await new Promise((resolve) => {
    let left = steps.length;
    for (const step of steps) {
      run(step, steps.length === 1).then(({ name, code }) => {
        if (code !== 0) resolve({ name, code });
        else if (--left === 0) resolve(undefined);
      });
    }
  });
  if (failed) {
    stopAll();
    console.error(`✖ ${failed.name} failed`);
    process.exit(failed.code);
  }
}
