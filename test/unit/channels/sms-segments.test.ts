import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smsEncoding, smsSegments } from '../../../shared/domain/channels/sms-segments.js';

describe('smsSegments', () => {
  it.each([
    ['empty text', '', 0],
    ['160 GSM-7 characters', 'a'.repeat(160), 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 2],
    ['306 GSM-7 characters', 'a'.repeat(306), 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 3],
    ['80 euro signs (extension chars count double)', '€'.repeat(80), 1],
    ['81 euro signs', '€'.repeat(81), 2],
    ['70 UCS-2 characters', 'ж'.repeat(70), 1],
    ['71 UCS-2 characters', 'ж'.repeat(71), 2],
    ['134 UCS-2 characters', 'ж'.repeat(134), 2],
    ['135 UCS-2 characters', 'ж'.repeat(135), 3],
    ['one emoji forcing UCS-2 in 69 letters', `${'a'.repeat(69)}😀`, 2],
  ])('counts %s', (_name, text, segments) => {
    expect(smsSegments(text)).toBe(segments);
  });

  it('never splits an extension character across segments', () => {
    // 152 plain + '€' (2 septets) does not fit in the first 153-septet segment's last slot.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toBe(3);
  });

  it('picks UCS-2 for characters outside GSM-7 and GSM-7 for accented Latin it covers', () => {
    expect(smsEncoding('Olá, ação')).toBe('UCS-2');
    expect(smsEncoding('Ñandu señor, äöü é')).toBe('GSM-7');
  });

  it('never counts fewer segments when text grows', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 5 }), (text, more) => {
        expect(smsSegments(text + more)).toBeGreaterThanOrEqual(smsSegments(text));
      }),
    );
  });
});
