import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/config/journeys.js';
import { parseJourney } from '../../../shared/domain/journeys/definition.js';
import { smallJourney } from './support.js';

const codes = (input: unknown) => {
  const r = parseJourney(input);
  return r.ok ? [] : r.issues.map((i) => i.code);
};

describe('journey definitions', () => {
  it('accepts every catalogue journey', () => {
    for (const j of CATALOGUE) expect(parseJourney(j), j.id).toMatchObject({ ok: true });
  });

  it('reports a step that goes to a step that does not exist, with its path', () => {
    const r = parseJourney(
      smallJourney({
        steps: [
          { id: 'wait', type: 'wait', duration: { hours: 1 }, next: 'nowhere' },
          { id: 'done', type: 'exit', reason: 'completed' },
        ],
      }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues).toContainEqual(
        expect.objectContaining({ code: 'unknown_step', path: ['steps', 0, 'next'] }),
      );
  });

  it('reports an unknown start step', () => {
    expect(codes(smallJourney({ start: 'missing' }))).toContain('unknown_step');
  });

  it('rejects a cycle that is not declared as a loop, and accepts it once declared', () => {
    const steps = [
      { id: 'wait', type: 'wait' as const, duration: { days: 1 }, next: 'remind' },
      {
        id: 'remind',
        type: 'send' as const,
        channel: 'email' as const,
        content: { intent: 'x' },
        next: 'wait',
      },
    ];
    expect(codes(smallJourney({ steps }))).toContain('undeclared_cycle');
    const looped = steps.map((s) => (s.id === 'remind' ? { ...s, loopsTo: ['wait'] } : s));
    expect(parseJourney(smallJourney({ steps: looped }))).toMatchObject({ ok: true });
  });

  it('rejects a loop declaration that is not one of the step edges', () => {
    const steps = smallJourney().steps!.map((s) => (s.id === 'wait' ? { ...s, loopsTo: ['done'] } : s));
    expect(codes(smallJourney({ steps }))).toContain('loop_not_an_edge');
  });

  it('reports unreachable steps', () => {
    const steps = [...smallJourney().steps!, { id: 'orphan', type: 'exit' as const, reason: 'never' }];
    expect(codes(smallJourney({ steps }))).toContain('unreachable_step');
  });

  it('reports a step id defined twice', () => {
    const steps = [...smallJourney().steps!, { id: 'done', type: 'exit' as const, reason: 'again' }];
    expect(codes(smallJourney({ steps }))).toContain('duplicate_step');
  });

  it('requires an entry key for keyed waits and keyed exit conditions', () => {
    const c = codes(smallJourney({ entryKey: undefined, dedupe: { by: 'event' } }));
    expect(c).toContain('missing_entry_key');
  });

  it('requires a send from a decision to name a decide step', () => {
    const steps = smallJourney().steps!.map((s) =>
      s.id === 'remind'
        ? { id: 'remind', type: 'send' as const, content: { fromDecision: 'wait' }, next: 'done' }
        : s,
    );
    expect(codes(smallJourney({ steps }))).toContain('not_a_decide_step');
  });

  it('allows at most one split', () => {
    const split = (id: string, next: string) => ({
      id,
      type: 'split' as const,
      holdoutShare: 0.1,
      variants: [{ id: 'a', weight: 1, next }],
    });
    const steps = [
      split('s1', 's2'),
      split('s2', 'done'),
      { id: 'done', type: 'exit' as const, reason: 'x' },
    ];
    expect(codes(smallJourney({ start: 's1', steps }))).toContain('too_many_splits');
  });

  it('rejects malformed shapes: a wait with both a duration and until, a bad step id, an offer without discount', () => {
    const steps = [
      { id: 'wait', type: 'wait', duration: { hours: 1 }, until: 'bestSendTime', next: 'done' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ];
    expect(parseJourney(smallJourney({ steps: steps as never })).ok).toBe(false);
    expect(parseJourney(smallJourney({ start: 'Bad-Id' })).ok).toBe(false);
    const decide = {
      id: 'wait',
      type: 'decide',
      candidates: [{ id: 'o', kind: 'offer', intent: 'x', channel: 'email' }],
      next: 'done',
      onNothing: 'done',
    };
    const r = parseJourney(
      smallJourney({ steps: [decide, { id: 'done', type: 'exit', reason: 'x' }] as never }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.message).join()).toMatch(/discount/);
  });

  it('reserves the arm names holdout and control', () => {
    const steps = [
      {
        id: 'wait',
        type: 'split',
        holdoutShare: 0.1,
        variants: [{ id: 'holdout', weight: 1, next: 'done' }],
      },
      { id: 'done', type: 'exit', reason: 'x' },
    ];
    expect(parseJourney(smallJourney({ steps: steps as never })).ok).toBe(false);
  });
});
