import { describe, expect, it } from 'vitest';
import { type RenderScope, renderTemplate } from '../../../shared/domain/channels/render.js';

const scope: RenderScope = {
  profile: { profileId: 'p1' },
  traits: { firstName: 'Ada', html: '<b>x</b>' },
  features: { churnRisk: 0.42 },
  message: {},
};

describe('rendering', () => {
  it('fills traits and features', () => {
    expect(
      renderTemplate('{{ traits.firstName }} {{ features.churnRisk | times: 100 }}%', scope),
    ).toMatchObject({
      ok: true,
      output: 'Ada 42%',
    });
  });

  it('uses the default filter for a missing value and reports the variable', () => {
    expect(renderTemplate('Hi {{ traits.nickname | default: "friend" }}', scope)).toEqual({
      ok: true,
      output: 'Hi friend',
      missing: ['traits.nickname'],
    });
  });

  it('renders a missing value without a default as empty rather than failing', () => {
    expect(renderTemplate('[{{ features.nope }}]', scope)).toMatchObject({
      ok: true,
      output: '[]',
      missing: ['features.nope'],
    });
  });

  it('escapes values in HTML parts but not in text parts', () => {
    expect(renderTemplate('{{ traits.html }}', scope, 'html')).toMatchObject({
      output: '&lt;b&gt;x&lt;/b&gt;',
    });
    expect(renderTemplate('{{ traits.html }}', scope, 'text')).toMatchObject({ output: '<b>x</b>' });
  });

  it('fails as a value on a syntax error or an unknown filter', () => {
    expect(renderTemplate('{{ traits.firstName ', scope)).toMatchObject({ ok: false });
    expect(renderTemplate('{{ traits.firstName | shout }}', scope)).toMatchObject({ ok: false });
  });
});
