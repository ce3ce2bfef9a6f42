import { describe, expect, it } from 'vitest';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { runChecks } from '../../../shared/domain/content/checks.js';
import type { ContentBody } from '../../../shared/domain/content/schemas.js';
import { normaliseForMatch, smsSegments } from '../../../shared/domain/content/text.js';

const context = { playbook: defaultPlaybook, allowedVariables: defaultContentConfig.allowedVariables };
const codes = (body: ContentBody) => runChecks(body, context).failures.map((f) => f.code);

const goodEmail: Extract<ContentBody, { type: 'email' }> = {
  type: 'email',
  subject: 'Your order is on its way',
  preheader: 'It should arrive by Thursday.',
  text: 'Hi {{ profile.traits.firstName | default: "there" }},\n\nYour merino is on its way.\n\nUnsubscribe: {{ unsubscribe_url }}',
  html: '<p>Hi {{ profile.traits.firstName | default: "there" }},</p><p>Your merino is on its way.</p><a href="{{unsubscribe_url}}">Unsubscribe</a>',
};
const goodSms: ContentBody = {
  type: 'sms',
  text: 'Loop & Purl: your merino ships today. Reply STOP to opt out',
};
const withText = (text: string): ContentBody => ({ ...goodEmail, text: `${goodEmail.text}\n${text}` });

describe('content checks', () => {
  it('pass a well-formed email and a well-formed SMS', () => {
    expect(runChecks(goodEmail, context)).toEqual({ passed: true, failures: [] });
    expect(runChecks(goodSms, context)).toEqual({ passed: true, failures: [] });
  });

  it.each<[string, ContentBody, string]>([
    ['a disallowed word', withText('Shipping is free today.'), 'disallowed_word'],
    ['a competitor name', withText('Softer than anything at YarnBarn.'), 'competitor_name'],
    ['a taboo topic', withText('This wool cures arthritis.'), 'taboo_topic'],
    ['an unverifiable superlative', withText('The best in the world, by far.'), 'unverifiable_claim'],
    ['a guarantee', withText('Softness guaranteed.'), 'unverifiable_claim'],
    ['a "#1" claim', withText('The #1 merino for beginners.'), 'unverifiable_claim'],
    ['a discount above the limit', withText('Take 35% off this week.'), 'offer_above_limit'],
    ['a subject over its length', { ...goodEmail, subject: 'x'.repeat(61) }, 'length_exceeded'],
    [
      'an SMS over its segments',
      { type: 'sms', text: `${'a'.repeat(300)} Reply STOP to opt out` },
      'sms_segments_exceeded',
    ],
    [
      'an email without its unsubscribe link',
      { ...goodEmail, html: '<p>Hello</p>' },
      'missing_required_element',
    ],
    [
      'an SMS without its STOP text',
      { type: 'sms', text: 'Your merino ships today.' },
      'missing_required_element',
    ],
    ['broken Liquid', withText('{% if profile.traits.firstName %}Hi'), 'liquid_invalid'],
    ['an unknown filter', withText('{{ product.name | shout }}'), 'liquid_invalid'],
    ['a variable not on the profile schema', withText('{{ profile.traits.ssn }}'), 'unknown_variable'],
  ])('fail %s with exactly its code', (_name, body, code) => {
    const report = runChecks(body, context);
    expect(report.passed).toBe(false);
    expect(report.failures.map((f) => f.code)).toEqual([code]);
  });

  it('allow a discount at the limit and words that only contain a disallowed word', () => {
    expect(codes(withText('Take 20% off. Knit carefree with freedom.'))).toEqual([]);
  });

  it.each([
    ['full-width letters', 'ｆｒｅｅ'],
    ['a zero-width space', 'fr\u200Bee'],
    ['a soft hyphen', 'fr\u00ADee'],
    ['a combining grapheme joiner', 'fr\u034Fee'],
    ['a variation selector', 'fre\uFE0Fe'],
    ['Cyrillic look-alikes', 'frе\u0435'],
    ['accents', 'frée'],
    ['upper case', 'FREE'],
  ])('catch a disallowed word disguised with %s', (_trick, word) => {
    expect(codes(withText(`Shipping is ${word} today.`))).toContain('disallowed_word');
  });

  it('catch a competitor name written in full-width with a zero-width joiner', () => {
    expect(codes(withText('Better than Ｙａｒｎ\u200DＢａｒｎ.'))).toContain('competitor_name');
  });

  it('normalises width, case, accents and invisible characters to one form', () => {
    expect(normaliseForMatch('Ｆr\u200Bée')).toBe('free');
  });
});

describe('smsSegments', () => {
  it.each([
    ['a short GSM text', 'Hello', { encoding: 'GSM-7', units: 5, segments: 1 }],
    ['160 GSM characters', 'a'.repeat(160), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['161 GSM characters', 'a'.repeat(161), { encoding: 'GSM-7', units: 161, segments: 2 }],
    ['extension characters counted twice', '€'.repeat(80), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['one emoji forcing UCS-2', `${'a'.repeat(69)}🧶`, { encoding: 'UCS-2', units: 71, segments: 2 }],
    ['70 UCS-2 units', 'ж'.repeat(70), { encoding: 'UCS-2', units: 70, segments: 1 }],
    ['135 UCS-2 units', 'ж'.repeat(135), { encoding: 'UCS-2', units: 135, segments: 3 }],
  ])('counts %s', (_name, text, expected) => {
    expect(smsSegments(text)).toEqual(expected);
  });
});
