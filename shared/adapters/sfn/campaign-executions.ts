/**
 * RunExecutions on Step Functions: starts the `feltfit-campaign-run` state machine with the run id
 * as the execution name (a name is used once: ExecutionAlreadyExists = the run id was taken) and
 * describes executions. Journey executions are named in the same account and region:
 * `arn:aws:states:<region>:<account>:execution:feltfit-<journey>:<name>`. The endpoint follows
 * `AWS_ENDPOINT_URL_SFN` when set (the local runtime's Step Functions).
 */
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  type ExecutionView,
  RunAlreadyExistsError,
  type RunExecutions,
} from '../../domain/campaigns/runs.js';

const errorName = (err: unknown) => (err instanceof Error ? err.name : '');

export class StepFunctionsRunExecutions implements RunExecutions {
  constructor(
    private readonly options: {
      readonly client: Pick<SFNClient, 'send'>;
      /** The campaign-run state machine's ARN. */
      readonly stateMachineArn: string;
    },
  ) {}

  async start(name: string, input: unknown): Promise<string> {
    try {
      const out = await this.options.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return out.executionArn ?? '';
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') throw new RunAlreadyExistsError(name);
      throw err;
    }
  }

  async describe(executionArn: string): Promise<ExecutionView | undefined> {
    try {
      const d = await this.options.client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        status: (d.status ?? 'RUNNING') as ExecutionView['status'],
        ...(d.output ? { output: d.output } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
    } catch (err) {
      if (errorName(err) === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }

  journeyExecutionArn(journey: string, executionName: string): string {
    const [prefix] = this.options.stateMachineArn.split(':stateMachine:');
    return `${prefix}:execution:feltfit-${journey}:${executionName}`;
  }
}
