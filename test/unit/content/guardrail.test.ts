import { describe, expect, it } from 'vitest';
import { defaultPlaybook } from '../../../shared/config/content.js';
import { guardrailCdkProps, guardrailFromPlaybook } from '../../../shared/domain/content/guardrail.js';

describe('guardrailFromPlaybook', () => {
  const props = guardrailFromPlaybook(defaultPlaybook);

  it('blocks the playbook words, competitor names and claims, plus the managed profanity list', () => {
    const words = props.WordPolicyConfig.WordsConfig?.map((w) => w.Text);
    expect(words).toEqual(expect.arrayContaining(['free', 'yarnbarn', 'guarantee', 'number one']));
    expect(props.WordPolicyConfig.ManagedWordListsConfig).toEqual([{ Type: 'PROFANITY' }]);
  });

  it('denies each taboo topic with its definition and examples', () => {
    expect(props.TopicPolicyConfig?.TopicsConfig).toContainEqual({
      Name: 'Medical claims',
      Definition: expect.stringContaining('disease'),
      Examples: expect.arrayContaining(['This wool cures arthritis']),
      Type: 'DENY',
    });
  });

  it('masks contact details and blocks secrets', () => {
    const pii = props.SensitiveInformationPolicyConfig.PiiEntitiesConfig;
    expect(pii).toContainEqual({ Type: 'EMAIL', Action: 'ANONYMIZE' });
    expect(pii).toContainEqual({ Type: 'PHONE', Action: 'ANONYMIZE' });
    expect(pii).toContainEqual({ Type: 'CREDIT_DEBIT_CARD_NUMBER', Action: 'BLOCK' });
  });

  it('filters harmful content, with prompt-attack filtering on input only', () => {
    expect(props.ContentPolicyConfig.FiltersConfig).toContainEqual({
      Type: 'PROMPT_ATTACK',
      InputStrength: 'HIGH',
      OutputStrength: 'NONE',
    });
    expect(props.Name).toMatch(/^[0-9a-zA-Z_-]{1,50}$/);
    expect(props.BlockedOutputsMessaging.length).toBeGreaterThan(0);
  });

  it('gives CDK the same properties in camelCase', () => {
    expect(guardrailCdkProps(defaultPlaybook)).toMatchObject({
      wordPolicyConfig: { managedWordListsConfig: [{ type: 'PROFANITY' }] },
      topicPolicyConfig: { topicsConfig: expect.any(Array) },
    });
  });
});
