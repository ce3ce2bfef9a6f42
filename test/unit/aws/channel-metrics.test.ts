import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { CHANNEL_METRICS_NAMESPACE, channelMetrics } from '../../../shared/adapters/aws/channel-metrics.js';
import { capturePowertoolsOutput } from '../../support/powertools-output.js';

const output = capturePowertoolsOutput({ POWERTOOLS_SERVICE_NAME: 'feltfit-send' });

describe('the Powertools channel metrics adapter', () => {
  it('prints each count at once as an EMF line with its own dimensions and no service dimension', () => {
    const metrics = channelMetrics(new Metrics({ namespace: CHANNEL_METRICS_NAMESPACE }));

    metrics.count('SendDecision', { channel: 'email', purpose: 'marketing', outcome: 'Sent' });
    metrics.count('MarketingEmailPaused', { reason: 'bounce_rate' }, 2);

    expect(output.lines).toHaveLength(2);
    expect(output.lines[0]).toMatchObject({
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
    expect(output.lines[0]).not.toHaveProperty('service');
    expect(output.lines[1]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [{ Dimensions: [['reason']], Metrics: [{ Name: 'MarketingEmailPaused' }] }],
      },
      reason: 'bounce_rate',
      MarketingEmailPaused: 2,
    });
    // The second line does not carry the first one's dimensions.
    expect(output.lines[1]).not.toHaveProperty('channel');
  });
});
