import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { ALLOWED_TAGS } from '../../../shared/domain/channels/liquid.js';
import { type RenderScope, renderTemplate } from '../../../shared/domain/channels/render.js';
import { runChecks } from '../../../shared/domain/content/checks.js';
import type { ContentBody } from '../../../shared/domain/content/schemas.js';

const context = { playbook: defaultPlaybook, allowedVariables: defaultContentConfig.allowedVariables };
const scope: RenderScope = {
  profile: { profileId: 'p1' },
  traits: { firstName: 'Ada' },
  features: { cart: { items: [{ name: 'Merino' }, { name: 'Needles' }] } },
  message: {},
};
const email = (extra: string): ContentBody => ({
  type: 'email',
  subject: 'Your order is on its way',
  preheader: 'It should arrive by Thursday.',
  text: `Hi there.\n${extra}\nUnsubscribe: {{ unsubscribe_url }}`,
  html: '<p>Hi there.</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
});
const failures = (body: ContentBody) => runChecks(body, context).failures;

describe('sandboxed templates', () => {
  it.each([
    ["{% include 'package.json' %}", 'include'],
    ["{% render 'package.json' %}", 'render'],
    ["{% layout 'package.json' %}body", 'layout'],
    ["{% liquid\ninclude 'package.json' %}", 'include'],
    ['{% include package.json %}', 'include'],
  ])('refuses %s at check time with template_tag_not_allowed', (source, tag) => {
    const found = failures(email(source));
    expect(found).toContainEqual({
      code: 'template_tag_not_allowed',
      detail: `text: the tag "${tag}" is not allowed`,
    });
    expect(runChecks(email(source), context).passed).toBe(false);
  });

  it('refuses a file tag at render time too, and never renders the file', () => {
    const text = renderTemplate("before {% include 'package.json' %} after", scope);
    const html = renderTemplate("{% render 'package.json' %}", scope, 'html');
    expect(text).toEqual({ ok: false, error: 'template_tag_not_allowed' });
    expect(html).toEqual({ ok: false, error: 'template_tag_not_allowed' });
  });

  it('stops a 3-million-iteration loop with template_limit_exceeded, at check and render time', () => {
    const loop = '{% for i in (1..3000000) %}x{% endfor %}';
    expect(renderTemplate(loop, scope)).toEqual({ ok: false, error: 'template_limit_exceeded' });
    expect(failures(email(loop)).map((f) => f.code)).toContain('template_limit_exceeded');
  });

  it('stops nested loops whose ranges multiply past the allocation limit', () => {
    const nested = '{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}';
    expect(renderTemplate(nested, scope)).toEqual({ ok: false, error: 'template_limit_exceeded' });
    // The allocation limit stops it; on a slow machine the render-time backstop may stop it first.
    expect(failures(email(nested)).map((f) => f.code)).toContain('template_limit_exceeded');
  });

  it('refuses an unknown tag as invalid Liquid', () => {
    expect(failures(email('{% frobnicate %}')).map((f) => f.code)).toContain('liquid_invalid');
  });

  it('keeps the allowed tags working', () => {
    const source = [
      '{% assign name = traits.firstName %}{% capture greeting %}Hi {{ name }}{% endcapture %}{{ greeting }}',
      '{% if name == "Ada" %}yes{% else %}no{% endif %}{% unless name %}none{% endunless %}',
      '{% case name %}{% when "Ada" %}case{% endcase %}',
      '{% for item in features.cart.items %}[{{ item.name }}]{% endfor %}',
      '{% for i in (1..5) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}',
      '{% raw %}{{ kept }}{% endraw %}{% comment %}gone{% endcomment %}{% # gone too %}',
      '{% cycle "a", "b" %}{% cycle "a", "b" %}{% increment n %}{% increment n %}{% decrement m %}',
      '{% liquid\necho "E"\n%}{% tablerow x in (1..1) %}{{ x }}{% endtablerow %}',
    ].join('|');
    const r = renderTemplate(source, scope);
    expect(r.ok).toBe(true);
    const parts = r.ok ? r.output.split('|') : [];
    expect(parts.slice(0, 7)).toEqual([
      'Hi Ada',
      'yes',
      'case',
      '[Merino][Needles]',
      '13',
      '{{ kept }}',
      'ab01-1',
    ]);
    expect(parts[7]).toMatch(/^E<tr class="row1">.*1.*<\/tr>/s);
  });

  it('passes the checks for copy using allowed tags', () => {
    const body = email(
      '{% if profile.traits.firstName %}Hi {{ profile.traits.firstName }}{% else %}Hi there{% endif %}',
    );
    expect(runChecks(body, context)).toEqual({ passed: true, failures: [] });
  });

  it('documents exactly the allowed tags in docs/content.md', () => {
    const doc = readFileSync('docs/content.md', 'utf8');
    const line = doc.split('\n').find((l) => l.startsWith('Allowed tags:')) ?? '';
    const listed = [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(ALLOWED_TAGS));
  });
});
