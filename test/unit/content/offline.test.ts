import { describe, expect, it } from 'vitest';
import { CONTENT_CHANNELS, defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { runChecks } from '../../../shared/domain/content/checks.js';
import { composeOffline, OfflineGenerator } from '../../../shared/domain/content/offline.js';
import { INTENTS } from '../../../shared/domain/content/schemas.js';
import { brief } from './support.js';

const context = { playbook: defaultPlaybook, allowedVariables: defaultContentConfig.allowedVariables };

describe('offline generator', () => {
  it('writes the same copy for the same brief, playbook and index', async () => {
    const b = brief({ channel: 'sms', intent: 'win_back' });
    const generator = new OfflineGenerator({ playbook: defaultPlaybook });
    const first = await generator.generate({ brief: b, playbook: defaultPlaybook, index: 1, maxTokens: 100 });
    const second = await generator.generate({
      brief: b,
      playbook: defaultPlaybook,
      index: 1,
      maxTokens: 100,
    });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ kind: 'generated', trace: { model: 'offline-templates-v1' } });
  });

  it('writes different copy for different variant indexes', () => {
    const b = brief({ channel: 'push', intent: 'fit_help' });
    expect(composeOffline(b, defaultPlaybook, 0)).not.toEqual(composeOffline(b, defaultPlaybook, 1));
  });

  it('personalises with Liquid and a default for the first name', () => {
    const sms = composeOffline(brief({ channel: 'sms' }), defaultPlaybook, 0);
    expect(sms).toMatchObject({
      type: 'sms',
      text: expect.stringContaining('{{ profile.traits.firstName | default: "there" }}'),
    });
  });

  it.each(CONTENT_CHANNELS.flatMap((channel) => INTENTS.map((intent) => [channel, intent] as const)))(
    'writes %s copy for %s that passes every check of the shipped playbook',
    (channel, intent) => {
      for (const index of [0, 1, 2]) {
        const body = composeOffline(
          brief({
            channel,
            intent,
            offer: intent === 'incentive' ? { type: 'loyalty', percent: 15 } : undefined,
          }),
          defaultPlaybook,
          index,
        );
        expect(runChecks(body, context)).toEqual({ passed: true, failures: [] });
      }
    },
  );

  it('writes an over-limit offer as asked, so the checks catch it', () => {
    const body = composeOffline(
      brief({ channel: 'push', intent: 'incentive', offer: { type: 'loyalty', percent: 40 } }),
      defaultPlaybook,
      0,
    );
    expect(runChecks(body, context).failures.map((f) => f.code)).toEqual(['offer_above_limit']);
  });
});
