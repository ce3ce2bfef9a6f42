/**
 * JourneyRunner on Step Functions: StartExecution with the caller's deterministic name
 * (ExecutionAlreadyExists = the duplicate of a trigger already started = success), and
 * SendTaskSuccess / SendTaskFailure for keyed waits (a token already used, timed out or unknown is
 * `stale`, not an error). The endpoint follows `AWS_ENDPOINT_URL_SFN` when set.
 */
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { JourneyRunner, StartOutcome } from '../../ports/journeys.js';
import { awsClient } from '../aws/clients.js';

/** Error names that mean the token can no longer be completed. */
export const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** A Step Functions call failed for a reason other than the expected outcomes above. */
export class JourneyRunnerError extends Error {
  override readonly name = 'JourneyRunnerError';
}

const errorName = (err: unknown) => (err instanceof Error ? err.name : '');

/** Step Functions implementation of JourneyRunner. */
export class StepFunctionsJourneyRunner implements JourneyRunner {
  constructor(private readonly client: SFNClient = awsClient(SFNClient, 'sfn')) {}

  async start(request: { stateMachineArn: string; name: string; input: unknown }): Promise<StartOutcome> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: request.stateMachineArn,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
      );
      return { status: 'started', executionArn: out.executionArn ?? '' };
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') return { status: 'alreadyStarted' };
      throw new JourneyRunnerError('StartExecution failed', { cause: err });
    }
  }

  async resume(token: string, output: unknown): Promise<'resumed' | 'stale'> {
    try {
      await this.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }),
      );
      return 'resumed';
    } catch (err) {
      if (STALE_TOKEN_ERRORS.has(errorName(err))) return 'stale';
      throw new JourneyRunnerError('SendTaskSuccess failed', { cause: err });
    }
  }

  async fail(token: string, error: string, cause: string): Promise<'failed' | 'stale'> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      return 'failed';
    } catch (err) {
      if (STALE_TOKEN_ERRORS.has(errorName(err))) return 'stale';
      throw new JourneyRunnerError('SendTaskFailure failed', { cause: err });
    }
  }
}
