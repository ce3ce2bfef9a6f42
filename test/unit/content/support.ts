/** In-memory fakes for the content ports. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ContentConfig, defaultContentConfig } from '../../../shared/config/content.js';
import type {
  AuditRecord,
  Brief,
  BriefInput,
  Variant,
  VariantStatus,
} from '../../../shared/domain/content/schemas.js';
import { Brief as BriefSchema } from '../../../shared/domain/content/schemas.js';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors.js';
import type {
  ContentStore,
  ReviewTransition,
  TokenBudgetStore,
  VariantPage,
} from '../../../shared/ports/content.js';

/** ContentStore in memory, with the same conditional review transition as DynamoDB. */
export class MemoryContentStore implements ContentStore {
  readonly variants = new Map<string, Variant>();
  readonly audits: AuditRecord[] = [];
  readonly briefs = new Map<string, Brief>();

  async saveGenerated(input: Parameters<ContentStore['saveGenerated']>[0]): Promise<void> {
    this.briefs.set(input.briefId, input.brief);
    for (const v of input.variants) this.variants.set(v.id, structuredClone(v));
    this.audits.push(...input.audits);
  }

  async get(id: string): Promise<Variant | undefined> {
    const v = this.variants.get(id);
    return v ? structuredClone(v) : undefined;
  }

  async listByStatus(status: VariantStatus, options: { limit: number }): Promise<VariantPage> {
    return {
      variants: [...this.variants.values()].filter((v) => v.status === status).slice(0, options.limit),
    };
  }

  async applyReview(id: string, t: ReviewTransition): Promise<Variant> {
    const v = this.variants.get(id);
    if (!v) throw new NotFoundError('variant_not_found', 'no such content variant');
    if (v.status !== 'pending_review')
      throw new ConflictError('invalid_transition', `the variant is ${v.status}`);
    const next: Variant = {
      ...v,
      status: t.to,
      review: t.review,
      checks: t.checks,
      guardrail: t.guardrail,
      updatedAt: t.review.at,
      ...(t.content ? { content: t.content } : {}),
      metadata: { ...v.metadata, ...(t.generator ? { generator: t.generator } : {}) },
    };
    this.variants.set(id, next);
    this.audits.push(t.audit);
    return structuredClone(next);
  }

  async audit(id: string): Promise<AuditRecord[]> {
    return this.audits.filter((a) => a.variantId === id);
  }
}

/** Monthly token counter in memory. */
export class MemoryBudget implements TokenBudgetStore {
  readonly months = new Map<string, number>();
  async used(month: string): Promise<number> {
    return this.months.get(month) ?? 0;
  }
  async add(month: string, tokens: number): Promise<number> {
    const total = (this.months.get(month) ?? 0) + tokens;
    this.months.set(month, total);
    return total;
  }
}

/** A valid brief with overrides. */
export function brief(overrides: Partial<BriefInput> = {}): Brief {
  return BriefSchema.parse({
    journeyStep: 'cart-abandoned-1',
    intent: 'shipping_reassurance',
    channel: 'email',
    audience: { segment: 'new_customers' },
    product: {
      name: 'Merino Starter Kit',
      facts: ['Includes two skeins of DK merino.', 'Needles are bamboo, 4 mm.'],
    },
    n: 2,
    ...overrides,
  });
}

/** The default config with overrides. */
export function config(overrides: Partial<ContentConfig> = {}): ContentConfig {
  return { ...defaultContentConfig, ...overrides };
}

let counter = 0;
/** Sequential ids, unique across a test file. */
export const newId = () => `id${(++counter).toString().padStart(6, '0')}`;

/** A fixed clock. */
export const fixedNow = () => new Date('2026-11-28T10:00:00.000Z');

/** An API Gateway v2 event. */
export function apiEvent(
  method: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string>; routeKey?: string } = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: options.routeKey ?? '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: options.routeKey ?? '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  };
}
