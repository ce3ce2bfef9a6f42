/**
 * The ChannelMetrics port on Powertools Metrics: each count is one CloudWatch embedded-metric-format
 * line on stdout (namespace `Feltfit/Channels`, unit Count, the count's own dimensions), so counting
 * needs no SDK call and nothing is left unflushed when an invocation ends.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ChannelMetrics } from '../../ports/channels.js';

export const CHANNEL_METRICS_NAMESPACE = 'Feltfit/Channels';

/** Channel counts published as they happen. */
export function channelMetrics(
  metrics = new Metrics({ namespace: CHANNEL_METRICS_NAMESPACE }),
): ChannelMetrics {
  // Powertools adds a `service` dimension by default; the channel metrics are keyed by their own
  // dimensions only (a metric's dimension set is part of its identity in CloudWatch).
  metrics.clearDefaultDimensions();
  return {
    count: (name, dimensions, value = 1) => {
      metrics.addDimensions({ ...dimensions });
      metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    },
  };
}
