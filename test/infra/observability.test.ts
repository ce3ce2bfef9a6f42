import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { Observability } from '../../infra/constructs/observability.js';

type Alarm = {
  Metrics: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
};

/** A stack of `count` machines, those at `withTimeout` given a timeout, alarmed on as one set. */
function alarmsFor(count: number, withTimeout: readonly number[]): Alarm[] {
  const stack = new Stack(new App(), 'Test');
  const observability = new Observability(stack, 'Observability', { key: new kms.Key(stack, 'Key') });
  const machines = Array.from({ length: count }, (_, i) => {
    const timeout = withTimeout.includes(i) ? Duration.hours(1) : undefined;
    const machine = new sfn.StateMachine(stack, `Machine${i}`, {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `Pass${i}`)),
      ...(timeout ? { timeout } : {}),
    });
    return timeout ? { machine, timeout } : machine;
  });
  observability.alarmOnFailedExecutions(stack, 'Executions', machines, 'Test machines');
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  return Object.values(alarms).map((a) => a.Properties as Alarm);
}

const metricNames = (alarms: Alarm[]) =>
  alarms.flatMap((a) => a.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])));

describe('alarms on state machine executions', () => {
  it('counts failed executions of every machine and timed-out ones only of a machine given a timeout', () => {
    const alarms = alarmsFor(3, [1]);
    expect(alarms).toHaveLength(1);
    expect(metricNames(alarms).sort()).toEqual([
      'ExecutionsFailed',
      'ExecutionsFailed',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    // Every metric is summed, each filled with 0 so that a quiet machine does not blank the sum.
    const [expression] = alarms[0]!.Metrics.filter((m) => m.Expression);
    expect(expression!.Expression!.split(' + ')).toHaveLength(4);
    for (const term of expression!.Expression!.split(' + ')) expect(term).toMatch(/^FILL\(\w+, 0\)$/);
  });

  it('splits the metrics into alarms of at most 10 (metric math’s limit), none left out', () => {
    const alarms = alarmsFor(9, [0, 4, 8]);
    expect(alarms).toHaveLength(2);
    for (const a of alarms) expect(a.Metrics.filter((m) => m.MetricStat).length).toBeLessThanOrEqual(10);
    expect(metricNames(alarms)).toHaveLength(12);
  });
});
