import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_METRICS_NAMESPACE, channelMetrics } from '../../../shared/adapters/aws/channel-metrics.js';

let printed: Record<string, unknown>[];

beforeEach(() => {
  printed = [];
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'feltfit-send');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) printed.push(JSON.parse(line));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the Powertools channel metrics adapter', () => {
  it('prints each count at once as an EMF line with its own dimensions and no service dimension', () => {
    const metrics = channelMetrics(new Metrics({ namespace: CHANNEL_METRICS_NAMESPACE }));

    metrics.count('SendDecision', { channel: 'email', purpose: 'marketing', outcome: 'Sent' });
    metrics.count('MarketingEmailPaused', { reason: 'bounce_rate' }, 2);

    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Feltfit/Channels',
            Dimensions: [['channel', 'purpose', 'outcome']],
            Metrics: [{ Name: 'SendDecision', Unit: 'Count' }],
          },
        ],
      },
      channel: 'email',
      purpose: 'marketing',
      outcome: 'Sent',
      SendDecision: 1,
    });
    expect(printed[0]).not.toHaveProperty('service');
    expect(printed[1]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [{ Dimensions: [['reason']], Metrics: [{ Name: 'MarketingEmailPaused' }] }],
      },
      reason: 'bounce_rate',
      MarketingEmailPaused: 2,
    });
    // The second line does not carry the first one's dimensions.
    expect(printed[1]).not.toHaveProperty('channel');
  });
});
