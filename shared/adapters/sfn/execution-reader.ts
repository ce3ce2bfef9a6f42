/**
 * ExecutionReader on Step Functions: a journey execution's status (DescribeExecution) and, while it
 * runs, the state it last entered (GetExecutionHistory, newest first, a few events, no state data);
 * running executions per journey (ListExecutions, one page). The endpoint follows
 * `AWS_ENDPOINT_URL_SFN` when set (the local runtime's interpreter).
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExecutionReader, ExecutionState } from '../../ports/activity.js';
import { awsClient } from '../aws/clients.js';

/** `arn:…:stateMachine:<name>` + execution name → `arn:…:execution:<name>:<execution>`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

export class StepFunctionsExecutionReader implements ExecutionReader {
  constructor(
    /** Journey id → state machine ARN (the journeys construct's `JOURNEY_STATE_MACHINES`). */
    private readonly stateMachines: Readonly<Record<string, string>>,
    private readonly client: SFNClient = awsClient(SFNClient, 'sfn'),
  ) {}

  async describe(journey: string, executionName: string): Promise<ExecutionState | undefined> {
    const machine = this.stateMachines[journey];
    if (!machine) return undefined;
    const executionArn = executionArnOf(machine, executionName);
    let status: string;
    let startedAt: string | undefined;
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      status = out.status ?? 'UNKNOWN';
      startedAt = out.startDate?.toISOString();
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
    if (status !== 'RUNNING') return { status, ...(startedAt ? { startedAt } : {}) };
    const history = await this.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 20,
        includeExecutionData: false,
      }),
    );
    const entered = history.events?.find((e) => e.stateEnteredEventDetails?.name);
    const step = entered?.stateEnteredEventDetails?.name;
    return { status, ...(startedAt ? { startedAt } : {}), ...(step ? { step } : {}) };
  }

  async countRunning(journey: string, cap: number): Promise<{ count: number; capped: boolean }> {
    const machine = this.stateMachines[journey];
    if (!machine) return { count: 0, capped: false };
    const out = await this.client.send(
      new ListExecutionsCommand({
        stateMachineArn: machine,
        statusFilter: 'RUNNING',
        maxResults: Math.min(1000, Math.max(1, cap)),
      }),
    );
    return { count: out.executions?.length ?? 0, capped: Boolean(out.nextToken) };
  }
}
