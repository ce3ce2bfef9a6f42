/**
 * PrivacyJobRunner on Step Functions: starts the `feltfit-privacy-job` state machine with the
 * execution name `<jobId>-<attempt>` (a name is used once: ExecutionAlreadyExists means that attempt
 * already runs). The input names the job only, so the execution history holds no profile id. The
 * endpoint follows `AWS_ENDPOINT_URL_SFN` when set (the local runtime's Step Functions).
 */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { PrivacyJobRunner } from '../../ports/privacy-jobs.js';

/** Starts privacy jobs. */
export class StepFunctionsPrivacyJobRunner implements PrivacyJobRunner {
  constructor(
    private readonly options: { readonly client: Pick<SFNClient, 'send'>; readonly stateMachineArn: string },
  ) {}

  async start(jobId: string, attempt: number): Promise<void> {
    try {
      await this.options.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name: `${jobId}-${attempt}`,
          input: JSON.stringify({ jobId, attempt }),
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionAlreadyExists') return;
      throw err;
    }
  }
}
