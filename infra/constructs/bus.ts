import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface BusProps {
  readonly archiveRetentionDays: number;
}

/** The `feltfit` EventBridge bus for domain events, archived so any window can be replayed. */
export class Bus extends Construct {
  static readonly NAME = 'feltfit';
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: BusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: Bus.NAME });
    this.bus.archive('Archive', {
      archiveName: 'feltfit-domain-events',
      description: 'Every Feltfit domain event, for replay into new or fixed consumers',
      eventPattern: { source: events.Match.prefix('feltfit.') },
      retention: Duration.days(props.archiveRetentionDays),
    });
  }
}
