import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { JourneysConfig } from '../../shared/config/journeys.js';
import type { MeasurementConfig } from '../../shared/config/measurement.js';
import { SEND_TIME_EXPERIMENT } from '../../shared/domain/experiments/send-time.js';
import { splitOf } from '../../shared/domain/journeys/definition.js';
import { API_SCOPED, type Api } from './api.js';
import type { Bus } from './bus.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface MeasurementProps {
  readonly api: Api;
  readonly data: Data;
  readonly bus: Bus;
  readonly observability: Observability;
  readonly journeys: JourneysConfig;
  readonly config: MeasurementConfig;
  readonly logRetentionDays: logs.RetentionDays;
}

const NAMESPACE = 'Feltfit/Measurement';

/**
 * Measurement: the conversion recorder (credits conversions to exposures, last-touch attribution,
 * customer counts), the report (GET /admin/report, and a daily run that publishes its figures as
 * metrics), a CloudWatch dashboard of those figures and alarms on a sample ratio mismatch and on
 * fairness flags.
 */
export class Measurement extends Construct {
  constructor(scope: Construct, id: string, props: MeasurementProps) {
    super(scope, id);
    const env = {
      JOURNEYS_CONFIG: JSON.stringify(props.journeys),
      MEASUREMENT_CONFIG: JSON.stringify(props.config),
    };
    const recorder = new FeltfitFunction(this, 'Recorder', {
      name: 'record-conversion',
      description: 'Credits conversions to journey exposures and attributes them to the last touch',
      logRetentionDays: props.logRetentionDays,
      environment: env,
      timeout: Duration.seconds(30),
    });
    props.data.bind(recorder, 'journeys', 'rw');
    props.data.bind(recorder, 'messages', 'r');
    // Conversions count once per eventId, so a retry cannot double-count.
    props.observability.asyncFailureQueue(recorder, {
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });

    const report = new FeltfitFunction(this, 'Report', {
      name: 'measurement-report',
      description: 'Experiment, attribution, KPI and fairness report (admin API, daily metrics)',
      logRetentionDays: props.logRetentionDays,
      environment: { ...env, POWERTOOLS_METRICS_NAMESPACE: NAMESPACE },
      memorySize: 512,
      timeout: Duration.seconds(29),
    });
    props.data.bind(report, 'journeys', 'r');
    // The daily run republishes the day's figures: one retry, and stale after two hours (the next run
    // comes the next day; the admin route answers synchronously and is not affected).
    props.observability.asyncFailureQueue(report, {
      retryAttempts: 1,
      maxEventAge: Duration.hours(2),
    });

    const dlq = props.observability.deadLetterQueue(
      this,
      'Dlq',
      'Conversion events and the daily report',
      'measurement-rules',
    );
    props.observability.acknowledgeDeadLetterQueue(
      dlq,
      'dead-letter queue of the conversion rule and the report schedule',
    );
    new events.Rule(this, 'OnConversion', {
      eventBus: props.bus.bus,
      description: `Records ${props.config.conversion.event} as a conversion`,
      eventPattern: {
        source: ['feltfit.profiles'],
        detailType: [props.config.conversion.event],
        detail: { profileId: [{ exists: true }] },
      },
      targets: [
        new targets.LambdaFunction(recorder, {
          deadLetterQueue: dlq,
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    props.api.addAdminRoutesOf('report', new HttpLambdaIntegration('Report', report, API_SCOPED));
    const schedulesRole = props.observability.schedulesRole();
    new scheduler.Schedule(this, 'DailyReport', {
      description: 'Publishes the measurement report as CloudWatch metrics',
      schedule: scheduler.ScheduleExpression.cron({ hour: '6', minute: '0' }),
      target: new schedulerTargets.LambdaInvoke(report, {
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'schedule' }),
        role: schedulesRole,
        deadLetterQueue: dlq,
        retryAttempts: 2,
      }),
    });
    const monitor = new FeltfitFunction(this, 'Monitor', {
      name: 'monitor-models',
      description:
        'Judges propensity scores against realised orders; drift raises an alarm and requests retraining',
      logRetentionDays: props.logRetentionDays,
      environment: { ...env, POWERTOOLS_METRICS_NAMESPACE: NAMESPACE },
      memorySize: 1024,
      timeout: Duration.minutes(10),
    });
    props.data.bind(monitor, 'models', 'rw');
    props.data.bind(monitor, 'profiles', 'r');
    props.bus.bind(monitor);
    // A ten-minute job: one retry, within two hours of the schedule.
    props.observability.asyncFailureQueue(monitor, {
      retryAttempts: 1,
      maxEventAge: Duration.hours(2),
    });
    new scheduler.Schedule(this, 'DailyModelMonitoring', {
      description: 'Snapshots propensity scores and judges the snapshot taken a horizon ago',
      schedule: scheduler.ScheduleExpression.cron({ hour: '4', minute: '30' }),
      target: new schedulerTargets.LambdaInvoke(monitor, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        role: schedulesRole,
        deadLetterQueue: dlq,
        retryAttempts: 2,
      }),
    });
    const stack = Stack.of(this);
    Validations.of(stack).acknowledge(
      ...[report, monitor].map((f) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          'The schedules’ role may invoke only the report and monitor functions (any version or alias of them).',
      })),
    );

    const metric = (name: string, dimensions: Record<string, string>, statistic = 'Maximum') =>
      new cloudwatch.Metric({
        namespace: NAMESPACE,
        metricName: name,
        dimensionsMap: dimensions,
        statistic,
        period: Duration.days(1),
      });
    const enabled = props.journeys.journeys.filter((j) => j.enabled);
    for (const j of enabled) {
      props.observability.alarm(
        this,
        `Srm-${j.id}`,
        metric('SampleRatioMismatch', { Journey: j.id }),
        0,
        `The ${j.id} journey's arm counts do not match its configured split (sample ratio mismatch): check assignment before trusting its lift.`,
      );
    }
    if (props.journeys.experiments.sendTime.holdoutShare > 0) {
      props.observability.alarm(
        this,
        `Srm-${SEND_TIME_EXPERIMENT}`,
        metric('SampleRatioMismatch', { Journey: SEND_TIME_EXPERIMENT }),
        0,
        'The send-time holdout’s share of best-send-time waits does not match its configuration (sample ratio mismatch): check assignment before trusting the send-time gain.',
      );
    }
    props.observability.alarm(
      this,
      'FairnessFlags',
      metric('FairnessFlags', { Scope: 'all' }),
      0,
      `A cohort's send, offer or conversion rate is below ${props.config.fairness.minRatio} of the best cohort's (disparate impact).`,
    );

    props.observability.alarm(
      this,
      'ModelDrift',
      metric('ModelDrift', { Model: 'propensity' }),
      0,
      'Realised propensity AUC or calibration drifted past its threshold; retraining was requested (the gates decide promotion).',
    );

    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'feltfit-measurement',
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              '# Feltfit measurement\nLift of each journey variant over its holdout (the always-valid lower bound above 0 means a real improvement), conversion rates, and the north star. `npx feltfit report --html` has the same with intervals.',
            width: 24,
            height: 2,
          }),
        ],
        [
          new cloudwatch.SingleValueWidget({
            title: 'North star',
            metrics: [metric('NorthStar', { Metric: props.config.northStar })],
            width: 6,
          }),
          new cloudwatch.SingleValueWidget({
            title: 'Incremental margin',
            metrics: [metric('IncrementalMargin', { Scope: 'all' })],
            width: 6,
          }),
          new cloudwatch.GraphWidget({
            title: 'Propensity on realised outcomes (AUC, calibration error)',
            left: [
              metric('RealisedAuc', { Model: 'propensity' }),
              metric('RealisedCalibrationError', { Model: 'propensity' }),
            ],
            width: 6,
          }),
          new cloudwatch.SingleValueWidget({
            title: 'Fairness flags',
            metrics: [metric('FairnessFlags', { Scope: 'all' })],
            width: 6,
          }),
        ],
        ...(props.config.kpis.length > 0
          ? [
              props.config.kpis.map(
                (k) =>
                  new cloudwatch.SingleValueWidget({
                    title: `${k.name} (${k.journey})`,
                    metrics: [metric('Kpi', { Kpi: k.name, Journey: k.journey })],
                    width: Math.max(4, Math.floor(24 / Math.min(props.config.kpis.length, 6))),
                  }),
              ),
            ]
          : []),
        ...enabled.map((j) => {
          const arms = splitOf(j)?.variants.map((v) => v.id) ?? ['default'];
          return [
            new cloudwatch.GraphWidget({
              title: `${j.name}: lift over holdout (estimate, always-valid lower bound)`,
              left: arms.flatMap((arm) => [
                metric('AbsoluteLift', { Journey: j.id, Arm: arm }),
                metric('LiftLowerBound', { Journey: j.id, Arm: arm }),
              ]),
              width: 12,
            }),
            new cloudwatch.GraphWidget({
              title: `${j.name}: conversion rate by arm`,
              left: [...arms, 'holdout', 'control'].map((arm) =>
                metric('ConversionRate', { Journey: j.id, Arm: arm }),
              ),
              width: 12,
            }),
          ];
        }),
      ],
    });
  }
}
