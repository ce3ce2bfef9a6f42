import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { JourneysConfig } from '../../shared/config/journeys.js';
import { compileJourney } from '../../shared/domain/journeys/compile.js';
import { MERGE_RULE, resumeRule, triggerRules } from '../../shared/domain/journeys/triggers.js';
import type { Bus } from './bus.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface JourneysProps {
  readonly data: Data;
  readonly bus: Bus;
  readonly observability: Observability;
  readonly send: FeltfitFunction;
  readonly config: JourneysConfig;
  /** Fairness cohorts: when traits are configured, start-journey reads them from profiles. */
  readonly fairnessCohortTraits?: readonly string[];
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Journeys: one Step Functions Standard state machine per enabled journey, compiled at synth from
 * the journey definitions in the configuration; rules that start them from domain events; the decide
 * and step functions their tasks call; and the resumer of keyed waits.
 */
export class Journeys extends Construct {
  readonly stateMachines: Record<string, sfn.StateMachine> = {};
  /** The campaign-run state machine marketers start (console, `npx feltfit run`). */
  readonly campaignRun: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: JourneysProps) {
    super(scope, id);
    const { data, bus, observability, config } = props;
    const env = { JOURNEYS_CONFIG: JSON.stringify(config) };
    const fn = (cid: string, name: string, description: string, timeout = Duration.seconds(15)) => {
      const f = new FeltfitFunction(this, cid, {
        name,
        description,
        logRetentionDays: props.logRetentionDays,
        environment: env,
        timeout,
      });
      data.bind(f, 'journeys', 'rw');
      return f;
    };
    const decide = fn('Decide', 'decide', 'Next best action and content variant, with stored explanation');
    data.bind(decide, 'profiles', 'r');
    data.bind(decide, 'content', 'r');
    // A step without approved content is a skipped message in the person's log and the day's counter.
    data.bind(decide, 'messages', 'w');
    const step = fn(
      'Step',
      'journey-step',
      'Journey tasks: keyed waits, exit checks, branches, profile updates',
    );
    data.bind(step, 'profiles', 'rw');
    data.bind(step, 'events', 'w');
    const start = fn(
      'Start',
      'start-journey',
      'Starts journeys from domain events, with assignment and holdouts',
    );
    if (props.fairnessCohortTraits?.length) {
      data.bind(start, 'profiles', 'r');
      start.addEnvironment(
        'MEASUREMENT_CONFIG',
        JSON.stringify({ fairness: { cohortTraits: props.fairnessCohortTraits } }),
      );
    }
    const resumeFn = fn('Resume', 'resume-journeys', 'Resumes keyed waits when the awaited event arrives');
    // Both act once per eventId (execution names, handled occurrences): retrying is safe. Six hours
    // is as long as the rule target keeps retrying delivery.
    const asyncPolicy = { retryAttempts: 2, maxEventAge: Duration.hours(6) };
    observability.asyncFailureQueue(start, asyncPolicy);
    observability.asyncFailureQueue(resumeFn, asyncPolicy);

    const enabled = config.journeys.filter((j) => j.enabled);
    for (const journey of enabled) {
      const definition = compileJourney(journey, { sendRetryErrors: config.sendRetryErrors });
      const logGroup = new logs.LogGroup(this, `${journey.id}Logs`, {
        retention: props.logRetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const sm = new sfn.StateMachine(this, `Journey-${journey.id}`, {
        stateMachineName: `feltfit-${journey.id}`,
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition)),
        definitionSubstitutions: {
          DecideFunctionArn: decide.functionArn,
          SendFunctionArn: props.send.functionArn,
          JourneyStepFunctionArn: step.functionArn,
        },
        tracingEnabled: true,
        // Execution data holds profile ids and content: kept out of the logs.
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      });
      for (const f of [decide, props.send, step]) f.grantInvoke(sm);
      const stack = Stack.of(this);
      Validations.of(sm.role).acknowledge(
        ...[decide, props.send, step].map((f) => ({
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as import('aws-cdk-lib').CfnElement)}.Arn>:*]`,
          reason:
            'Invoking the journey’s own functions, any version or alias of them (lambda:InvokeFunction grant).',
        })),
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray tracing and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
        },
      );
      this.stateMachines[journey.id] = sm;
      sm.grantStartExecution(start);
    }
    start.addEnvironment(
      'JOURNEY_STATE_MACHINES',
      JSON.stringify(
        Object.fromEntries(Object.entries(this.stateMachines).map(([k, v]) => [k, v.stateMachineArn])),
      ),
    );
    for (const sm of Object.values(this.stateMachines)) sm.grantTaskResponse(resumeFn);

    this.campaignRun = this.campaignRunMachine(props, env);
    observability.alarmOnFailedExecutions(
      this,
      'FailedExecutions',
      [...Object.values(this.stateMachines), this.campaignRun],
      'Journeys and campaign runs',
    );

    const dlq = observability.deadLetterQueue(this, 'RulesDlq', 'Journey triggers', 'journey-rules');
    const target = (f: FeltfitFunction) =>
      new targets.LambdaFunction(f, {
        deadLetterQueue: dlq,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      });
    for (const rule of triggerRules(enabled)) {
      new events.Rule(this, `Trigger-${rule.journey}`, {
        eventBus: bus.bus,
        description: `Starts the ${rule.journey} journey`,
        eventPattern: rule.eventPattern as events.EventPattern,
        targets: [target(start)],
      });
    }
    // Journeys that await no event and exit on none need no resume rule (an empty pattern is invalid).
    const resume = resumeRule(enabled);
    if ((resume['detail-type'] as string[]).length > 0) {
      new events.Rule(this, 'ResumeRule', {
        eventBus: bus.bus,
        description: 'Resumes journeys waiting for these events',
        eventPattern: resume as events.EventPattern,
        targets: [target(resumeFn)],
      });
      new events.Rule(this, 'MergeRule', {
        eventBus: bus.bus,
        description: 'Profile merges: exit checks follow the winner, waiting tokens move to it',
        eventPattern: { source: [...MERGE_RULE.source], detailType: [...MERGE_RULE['detail-type']] },
        targets: [target(resumeFn)],
      });
    }
    observability.acknowledgeDeadLetterQueue(
      dlq,
      'dead-letter queue of the journey trigger and resume rules',
    );
  }

  /**
   * The campaign-run state machine: Plan (validate the input against the deployed journeys) →
   * wait for `startAt` → Page (request the journey for one page of the audience) → wait so that the
   * rate holds → Page … until the scan ends. The input is documented in docs/journeys.md.
   */
  private campaignRunMachine(props: JourneysProps, env: Record<string, string>): sfn.StateMachine {
    const scope = new Construct(this, 'Campaigns');
    const f = new FeltfitFunction(scope, 'Function', {
      name: 'campaign-run',
      description: 'Campaign runs: validates a run and requests its journey for each page of the audience',
      logRetentionDays: props.logRetentionDays,
      environment: env,
      timeout: Duration.seconds(60),
    });
    props.data.bind(f, 'profiles', 'r');
    // Each page's requested executions (CAMPAIGN_RUN#<runId>), for the run's progress in the console.
    props.data.bind(f, 'journeys', 'w');
    props.bus.bind(f);

    const plan = new tasks.LambdaInvoke(scope, 'Plan', {
      lambdaFunction: f,
      payload: sfn.TaskInput.fromObject({
        action: 'plan',
        input: sfn.JsonPath.objectAt('$'),
        executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      }),
      resultSelector: { 'plan.$': '$.Payload' },
      resultPath: '$.run',
    });
    plan.addCatch(
      new sfn.Fail(scope, 'InvalidRun', { error: 'InvalidCampaignRun', causePath: '$.error.Cause' }),
      { errors: ['InvalidCampaignRunError'], resultPath: '$.error' },
    );
    const start = new sfn.Pass(scope, 'Start', {
      parameters: {
        'plan.$': '$.run.plan',
        page: { cursor: '', scanned: 0, requested: 0 },
        totals: { pages: 0, scanned: 0, requested: 0 },
      },
    });
    const page = new tasks.LambdaInvoke(scope, 'Page', {
      lambdaFunction: f,
      payload: sfn.TaskInput.fromObject({
        action: 'page',
        plan: sfn.JsonPath.objectAt('$.plan'),
        cursor: sfn.JsonPath.stringAt('$.page.cursor'),
      }),
      resultSelector: {
        'cursor.$': '$.Payload.cursor',
        'scanned.$': '$.Payload.scanned',
        'requested.$': '$.Payload.requested',
      },
      resultPath: '$.page',
      retryOnServiceExceptions: true,
    });
    page.addRetry({
      errors: ['DomainEventsPublishError', 'ProvisionedThroughputExceededException'],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
    });
    const count = new sfn.Pass(scope, 'Count', {
      parameters: {
        'plan.$': '$.plan',
        'page.$': '$.page',
        totals: {
          'pages.$': 'States.MathAdd($.totals.pages, 1)',
          'scanned.$': 'States.MathAdd($.totals.scanned, $.page.scanned)',
          'requested.$': 'States.MathAdd($.totals.requested, $.page.requested)',
        },
      },
    });
    const throttle = new sfn.Wait(scope, 'Throttle', {
      time: sfn.WaitTime.secondsPath('$.plan.waitSeconds'),
    });
    const more = new sfn.Choice(scope, 'MorePages')
      .when(sfn.Condition.not(sfn.Condition.stringEquals('$.page.cursor', '')), throttle.next(page))
      .otherwise(new sfn.Succeed(scope, 'Done'));
    const waitStart = new sfn.Wait(scope, 'WaitForStart', {
      time: sfn.WaitTime.timestampPath('$.plan.startAt'),
    });
    const definition = plan
      .next(start)
      .next(
        new sfn.Choice(scope, 'HasStartTime')
          .when(sfn.Condition.isPresent('$.plan.startAt'), waitStart.next(page))
          .otherwise(page),
      );
    page.next(count).next(more);

    const logGroup = new logs.LogGroup(scope, 'StateMachineLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const sm = new sfn.StateMachine(scope, 'CampaignRunMachine', {
      stateMachineName: 'feltfit-campaign-run',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const stack = Stack.of(this);
    Validations.of(sm.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as import('aws-cdk-lib').CfnElement)}.Arn>:*]`,
        reason:
          'Invoking the campaign-run function, any version or alias of it (lambda:InvokeFunction grant).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
      },
    );
    return sm;
  }
}
