/** A fake of the ChannelMetrics port (shared/ports/channels.ts) for tests and benchmarks. */
import type { ChannelMetrics } from '../../shared/ports/channels.js';

/** Metrics kept in memory, keyed `Name|dimension=value|…` in the order the dimensions were given. */
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
