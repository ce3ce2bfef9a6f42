/**
 * Liquid rendering of approved content with the recipient's traits and features. Missing variables
 * render empty (so `{{ traits.firstName | default: "there" }}` works) and are reported by path; a template
 * that fails to parse or render yields an error value, never a half-rendered message.
 */
import type { Template } from 'liquidjs';
import { sandboxedLiquid, type TemplateErrorCode, templateError } from './liquid.js';

export interface RenderScope {
  readonly profile: { readonly profileId: string; readonly locale?: string; readonly timeZone?: string };
  readonly traits: Readonly<Record<string, unknown>>;
  readonly features: Readonly<Record<string, unknown>>;
  readonly message: Readonly<Record<string, string>>;
  /** Top-level variables (`unsubscribe_url`, `preferences_url`, `product`, …; ./variables.ts). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

export type RenderResult =
  | { readonly ok: true; readonly output: string; readonly missing: readonly string[] }
  | { readonly ok: false; readonly error: TemplateErrorCode };

// Sandboxed (./liquid.ts): no file system, allowed tags only, parse/memory/render limits.
const engines = {
  text: sandboxedLiquid({ strictVariables: false, strictFilters: true, ownPropertyOnly: true, cache: false }),
  // HTML parts escape every output by default so traits cannot inject markup.
  html: sandboxedLiquid({
    strictVariables: false,
    strictFilters: true,
    ownPropertyOnly: true,
    outputEscape: 'escape',
    cache: false,
  }),
};

const parsed = new Map<string, { templates: Template[]; variables: (string | number)[][] }>();
const MAX_CACHED = 500;

function compile(kind: 'text' | 'html', source: string) {
  const key = `${kind}\u0000${source}`;
  let hit = parsed.get(key);
  if (!hit) {
    const engine = engines[kind];
    const templates = engine.parse(source);
    const variables = engine
      .globalVariableSegmentsSync(templates)
      .map((segments) =>
        segments.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number'),
      );
    hit = { templates, variables };
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(key, hit);
  }
  return hit;
}

function has(scope: unknown, path: readonly (string | number)[]): boolean {
  let cur: unknown = scope;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return false;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur !== undefined && cur !== null;
}

/** Renders one template; `kind: 'html'` escapes outputs. */
export function renderTemplate(
  source: string,
  scope: RenderScope,
  kind: 'text' | 'html' = 'text',
): RenderResult {
  try {
    const { templates, variables } = compile(kind, source);
    // Content is written against `profile.traits.*` / `profile.features.*` (the content checks'
    // allowed variables); the short forms `traits.*` / `features.*` work too.
    const { variables: topLevel, ...named } = scope;
    const context = {
      ...topLevel,
      ...named,
      profile: { ...scope.profile, traits: scope.traits, features: scope.features },
    };
    const output = engines[kind].renderSync(templates, context) as unknown;
    const missing = variables.filter((v) => !has(context, v)).map((v) => v.join('.'));
    return { ok: true, output: String(output), missing: [...new Set(missing)] };
  } catch (err) {
    return { ok: false, error: templateError(err).code };
  }
}

/** Renders several named parts; the first failure fails all of them. */
export function renderParts<K extends string>(
  parts: Partial<Record<K, { source: string; kind: 'text' | 'html' }>>,
  scope: RenderScope,
):
  | { ok: true; parts: Partial<Record<K, string>>; missing: string[] }
  | { ok: false; part: K; error: TemplateErrorCode } {
  const out: Partial<Record<K, string>> = {};
  const missing = new Set<string>();
  for (const [name, part] of Object.entries(parts) as [
    K,
    { source: string; kind: 'text' | 'html' } | undefined,
  ][]) {
    if (!part) continue;
    const r = renderTemplate(part.source, scope, part.kind);
    if (!r.ok) return { ok: false, part: name, error: r.error };
    out[name] = r.output;
    for (const m of r.missing) missing.add(m);
  }
  return { ok: true, parts: out, missing: [...missing] };
}
