import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { FeltfitFunction } from './feltfit-function.js';

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

  /** Lets a function put events on the bus and hands it the bus name (EVENT_BUS_NAME). */
  bind(fn: FeltfitFunction): void {
    this.bus.grantPutEventsTo(fn);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
