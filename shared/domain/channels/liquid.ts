/**
 * The one way Feltfit builds a Liquid engine: sandboxed. Templates come from a model or a person, so
 * they get no file system (no `include`, `render`, `layout`), only an allowlist of tags, and limits on
 * template size, allocations and render time. The content checks and the send path use engines made
 * here, so what a check accepts is what a send can render.
 */
import { Liquid, type LiquidOptions } from 'liquidjs';

type TagClass = Parameters<Liquid['registerTag']>[1];

/** Tags templates may use; every other tag is refused with `template_tag_not_allowed`. */
export const ALLOWED_TAGS = [
  'assign',
  'break',
  'capture',
  'case',
  'comment',
  'continue',
  'cycle',
  'decrement',
  'echo',
  'for',
  'if',
  'increment',
  'liquid',
  'raw',
  'tablerow',
  'unless',
  // Inline comment: `{% # note %}`.
  '#',
] as const;

/** Limits of every sandboxed engine (liquidjs `parseLimit`, `memoryLimit`, `renderLimit`). */
export const TEMPLATE_LIMITS = {
  /** Characters parsed in one call; a send's largest part (HTML) is 500,000. */
  parseLimit: 1_000_000,
  /**
   * liquidjs allocation units: range sizes (`(1..n)` costs n, once per time the range is built) and
   * the results of string and array filters; literal template text and the output are not counted.
   * Loops over a person's cart and filters on their traits stay far below; `(1..3000000)` is refused
   * before its first iteration, and nested ranges stop after about this many inner iterations.
   */
  memoryLimit: 100_000,
  /** Milliseconds per render, checked before every template node and loop iteration: the backstop. */
  renderLimit: 500,
} as const;

/** Machine-readable codes of a template the sandbox refuses. */
export type TemplateErrorCode = 'template_tag_not_allowed' | 'template_limit_exceeded' | 'liquid_invalid';

/** A tag outside ALLOWED_TAGS, raised while parsing. */
export class TemplateTagNotAllowedError extends Error {
  override readonly name = 'TemplateTagNotAllowedError';
  readonly code = 'template_tag_not_allowed';
  constructor(readonly tag: string) {
    super(`the tag "${tag}" is not allowed in templates`);
  }
}

// Refuses every read: templates have no file system even if a refused tag slipped through.
const noFileSystem: NonNullable<LiquidOptions['fs']> = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string) => {
    throw new TemplateTagNotAllowedError(`file:${file}`);
  },
  readFileSync: (file: string) => {
    throw new TemplateTagNotAllowedError(`file:${file}`);
  },
  resolve: (_root: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
};

function refusedTag(name: string): TagClass {
  // A tag class whose constructor throws: the parser wraps it in a ParseError carrying it as cause.
  return class {
    constructor() {
      throw new TemplateTagNotAllowedError(name);
    }
  } as unknown as TagClass;
}

/** A Liquid engine with no file system, the tag allowlist and TEMPLATE_LIMITS. */
export function sandboxedLiquid(
  options: Omit<LiquidOptions, 'fs' | 'root' | 'partials' | 'layouts' | 'templates'> = {},
): Liquid {
  const engine = new Liquid({
    ...TEMPLATE_LIMITS,
    ...options,
    fs: noFileSystem,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    dynamicPartials: false,
  });
  const allowed = new Set<string>(ALLOWED_TAGS);
  for (const name of Object.keys(engine.tags)) {
    if (!allowed.has(name)) engine.registerTag(name, refusedTag(name));
  }
  return engine;
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur instanceof Error; i++) {
    out.push(cur);
    const next =
      (cur as { originalError?: unknown }).originalError ?? (cur as { cause?: unknown }).cause ?? undefined;
    if (next === cur) break;
    cur = next;
  }
  return out;
}

/** Classifies a parse or render error of a sandboxed engine, with a short detail without template text. */
export function templateError(err: unknown): { code: TemplateErrorCode; detail: string } {
  const chain = causes(err);
  const refused = chain.find((e): e is TemplateTagNotAllowedError => e instanceof TemplateTagNotAllowedError);
  if (refused) {
    const tag = refused.tag.startsWith('file:') ? 'a file' : `"${refused.tag}"`;
    return { code: 'template_tag_not_allowed', detail: `the tag ${tag} is not allowed` };
  }
  const limit = chain
    .map((e) => (e instanceof Error ? e.message : ''))
    .find((m) => /(?:parse length|memory alloc|template render) limit exceeded/.test(m));
  if (limit) {
    const what = /^.*?((?:parse length|memory alloc|template render) limit exceeded)/.exec(limit)?.[1];
    return { code: 'template_limit_exceeded', detail: what ?? 'a template limit was exceeded' };
  }
  const message = err instanceof Error ? (err.message.split(',')[0] ?? 'parse error') : 'parse error';
  return { code: 'liquid_invalid', detail: message };
}
