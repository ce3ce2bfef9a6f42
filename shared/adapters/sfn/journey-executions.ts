/**
 * JourneyExecutions on Step Functions: the console's read-only calls (DescribeStateMachine,
 * ListExecutions, DescribeExecution, GetExecutionHistory without execution data). The endpoint
 * follows `AWS_ENDPOINT_URL_SFN` when set (the local runtime serves these too).
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type {
  EnteredState,
  ExecutionStatus,
  ExecutionSummary,
  JourneyExecutions,
} from '../../ports/journey-admin.js';

const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

function entered(e: HistoryEvent): EnteredState | undefined {
  if (!e.type?.endsWith('StateEntered') || !e.stateEnteredEventDetails?.name) return undefined;
  return { name: e.stateEnteredEventDetails.name, at: iso(e.timestamp) ?? '' };
}

export class StepFunctionsJourneyExecutions implements JourneyExecutions {
  constructor(private readonly client: SFNClient) {}

  async definition(stateMachineArn: string): Promise<string> {
    const out = await this.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    return out.definition ?? '{"StartAt":"","States":{}}';
  }

  async list(
    stateMachineArn: string,
    options: { readonly status?: ExecutionStatus; readonly max: number },
  ): Promise<{ executions: ExecutionSummary[]; more: boolean }> {
    const executions: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.client.send(
        new ListExecutionsCommand({
          stateMachineArn,
          ...(options.status ? { statusFilter: options.status } : {}),
          maxResults: Math.min(1000, options.max - executions.length),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const e of out.executions ?? []) {
        executions.push({
          executionArn: e.executionArn ?? '',
          name: e.name ?? '',
          status: (e.status ?? 'RUNNING') as ExecutionStatus,
          startDate: iso(e.startDate) ?? '',
          ...(e.stopDate ? { stopDate: iso(e.stopDate)! } : {}),
        });
      }
      nextToken = out.nextToken;
    } while (nextToken && executions.length < options.max);
    return { executions: executions.slice(0, options.max), more: nextToken !== undefined };
  }

  async describe(executionArn: string): Promise<ExecutionSummary | undefined> {
    try {
      const e = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn,
        name: e.name ?? '',
        status: (e.status ?? 'RUNNING') as ExecutionStatus,
        startDate: iso(e.startDate) ?? '',
        ...(e.stopDate ? { stopDate: iso(e.stopDate)! } : {}),
      };
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }

  async enteredStates(executionArn: string, maxEvents: number): Promise<EnteredState[]> {
    const states: EnteredState[] = [];
    let read = 0;
    let nextToken: string | undefined;
    do {
      const out = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          includeExecutionData: false,
          maxResults: Math.min(1000, maxEvents - read),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const e of out.events ?? []) {
        read++;
        const s = entered(e);
        if (s) states.push(s);
      }
      nextToken = out.nextToken;
    } while (nextToken && read < maxEvents);
    return states;
  }

  async currentState(executionArn: string): Promise<EnteredState | undefined> {
    const out = await this.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        includeExecutionData: false,
        reverseOrder: true,
        maxResults: 50,
      }),
    );
    for (const e of out.events ?? []) {
      const s = entered(e);
      if (s) return s;
    }
    return undefined;
  }
}
