/**
 * What durable local journeys cost (infra/local/step-functions.ts with a state directory): executions
 * run from start to a two-day Wait through five Lambda tasks, in memory and kept on disk, then a
 * restart reads them back and resumes them. Prints figures, never asserts them.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LocalFunction } from '../../infra/local/lambda.js';
import { LocalStepFunctions } from '../../infra/local/step-functions.js';
import { Resolver } from '../../infra/local/template.js';

const EXECUTIONS = Number(process.env.BENCH_DURABLE_EXECUTIONS ?? 1_000);

const task = (next: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: '${StepArn}', 'Payload.$': '$' },
  ResultSelector: { 'ok.$': '$.Payload' },
  ResultPath: `$.steps.${next}`,
  Next: next,
});

// Shaped like a journey's first steps: exit check, choice of variant, send, outcome, then the wait.
const definition = {
  StartAt: 'CheckExit',
  States: {
    CheckExit: task('ChooseVariant'),
    ChooseVariant: task('Send'),
    Send: task('Outcome'),
    Outcome: task('Record'),
    Record: task('Wait'),
    Wait: { Type: 'Wait', Seconds: 2 * 86_400, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

function machine(stateDir: string | undefined) {
  const resolver = new Resolver({
    Resources: {
      Journey: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'bench',
          DefinitionString: JSON.stringify(definition),
          DefinitionSubstitutions: { StepArn: 'arn:aws:lambda:us-east-1:000000000000:function:Step' },
        },
      },
    },
  });
  const step = { logicalId: 'Step', invoke: async () => true } as unknown as LocalFunction;
  const sfn = new LocalStepFunctions(
    resolver,
    () => new Map([['Step', step]]),
    1,
    stateDir ? { stateDir } : {},
  );
  sfn.load();
  return { sfn, arn: sfn.stateMachineArns[0]! };
}

/** Starts EXECUTIONS executions and waits until every one is in its Wait; returns the seconds taken. */
async function runToWait(
  stateDir: string | undefined,
): Promise<{ seconds: number; sfn: LocalStepFunctions }> {
  const { sfn, arn } = machine(stateDir);
  const started = performance.now();
  const input = JSON.stringify({ profileId: 'p', journey: 'bench', trigger: { detail: { value: 42 } } });
  const all = Array.from({ length: EXECUTIONS }, (_, i) => sfn.startExecution(arn, input, `e-${i}`));
  while (!all.every((e) => e.history.at(-1)?.type === 'WaitStateEntered'))
    await new Promise((r) => setTimeout(r, 5));
  return { seconds: (performance.now() - started) / 1000, sfn };
}

/** Durable local journeys: run-to-wait rate in memory and on disk, file sizes, resume time. */
export async function benchDurable(): Promise<void> {
  const memory = await runToWait(undefined);
  await memory.sfn.close();
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  try {
    const disk = await runToWait(dir);
    await disk.sfn.close();
    const folder = join(dir, 'executions', 'bench');
    const sizes = readdirSync(folder).map((f) => statSync(join(folder, f)).size);
    const resumeStarted = performance.now();
    const { sfn } = machine(dir);
    const report = sfn.resume();
    const resumeSeconds = (performance.now() - resumeStarted) / 1000;
    await sfn.close();
    const perSecond = (s: number) => Math.round(EXECUTIONS / s);
    console.log(`durable local journeys (${EXECUTIONS} executions, 5 tasks then a 2-day Wait)`);
    console.log(`  in memory: ${perSecond(memory.seconds)} executions/s to the wait`);
    console.log(
      `  on disk:   ${perSecond(disk.seconds)} executions/s to the wait (${(memory.seconds / disk.seconds).toFixed(2)}× in memory), 7 atomic writes each`,
    );
    console.log(
      `  files:     ${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)} bytes per waiting execution`,
    );
    console.log(
      `  restart:   ${report.resumed} of ${report.loaded} resumed in ${(resumeSeconds * 1000).toFixed(0)} ms (${report.unreadable.length} unreadable)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
