/**
 * CloudWatch Embedded Metric Format: a metric is a structured log line, so counting needs no SDK call and
 * the lead can alarm on it (namespace `Feltfit/Channels`).
 */
import type { ChannelMetrics } from '../../ports/channels.js';

export const METRICS_NAMESPACE = 'Feltfit/Channels';

/** The EMF record for one count. */
export function emfRecord(
  name: string,
  dimensions: Readonly<Record<string, string>>,
  value: number,
  at: Date,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    ...dimensions,
    [name]: value,
  };
}

/** Metrics written as EMF lines through `write` (stdout in Lambda). */
export function emfMetrics(
  write: (line: string) => void,
  now: () => Date = () => new Date(),
): ChannelMetrics {
  return {
    count: (name, dimensions, value = 1) => write(JSON.stringify(emfRecord(name, dimensions, value, now()))),
  };
}

/** Metrics kept in memory (tests, benchmarks). */
export function memoryMetrics() {
  const counts = new Map<string, number>();
  const metrics: ChannelMetrics = {
    count: (name, dimensions, value = 1) => {
      const key = `${name}${Object.entries(dimensions)
        .map(([k, v]) => `|${k}=${v}`)
        .join('')}`;
      counts.set(key, (counts.get(key) ?? 0) + value);
    },
  };
  return { metrics, counts };
}
