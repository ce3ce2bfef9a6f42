/**
 * A local fake of the ad platforms' audience APIs (Meta Custom Audiences, Google Data Manager with its
 * OAuth token endpoint, TikTok segment mapping, LinkedIn DMP segment users) and of S3's PutObject for
 * the CSV export, on one node:http server: the adapters in shared/adapters/audiences/ talk to it by
 * taking its URL as their base URL (S3: the client's endpoint, path style). It answers with the
 * platforms' documented shapes, checks what they check (a token, hashes that are 64 lowercase hex,
 * batch limits) and writes every request it receives to the outbox as
 * `<time>-audience-<platform>-<n>-<random>.audience.json` (method, path, body, answer; never a token).
 * Faults are injected per platform on every n-th request (`FELTFIT_AUDIENCE_FAULTS`, or the
 * constructor): `rate_limit` (Meta code 80003 with X-Business-Use-Case-Usage, Google 429
 * RESOURCE_EXHAUSTED with RetryInfo, TikTok code 40100, LinkedIn 429, S3 503 SlowDown), `server_error`,
 * `bad_request`, and `partial` (the request's first row refused, where the platform reports rows).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import * as z from 'zod';

export const AUDIENCE_PLATFORMS = ['meta', 'google', 'tiktok', 'linkedin', 's3'] as const;
export type AudiencePlatform = (typeof AUDIENCE_PLATFORMS)[number];

export const AudienceFault = z
  .object({
    fault: z.enum(['rate_limit', 'server_error', 'bad_request', 'partial']),
    /** Every n-th request to the platform (1: every one). */
    every: z.number().int().min(1),
    /** The wait a rate-limit answer names (Meta counts in minutes: rounded up). Default 1. */
    retryAfterSeconds: z.number().int().min(0).optional(),
  })
  .strict();
export type AudienceFault = z.infer<typeof AudienceFault>;
export const AudienceFaults = z.partialRecord(z.enum(AUDIENCE_PLATFORMS), AudienceFault);
export type AudienceFaults = z.infer<typeof AudienceFaults>;

/** Raised when FELTFIT_AUDIENCE_FAULTS is not valid; names the variable. */
export class AudienceFaultsConfigError extends Error {
  override readonly name = 'AudienceFaultsConfigError';
}

/** Parses `meta=rate_limit:3,google=partial:2` (fault every n-th request); undefined when unset. */
export function parseAudienceFaults(text: string | undefined): AudienceFaults | undefined {
  const spec = text?.trim();
  if (!spec) return undefined;
  const out: Record<string, unknown> = {};
  for (const part of spec.split(',')) {
    const match = /^\s*(\w+)=(\w+):(\d+)\s*$/.exec(part);
    if (!match)
      throw new AudienceFaultsConfigError(
        `FELTFIT_AUDIENCE_FAULTS: "${part}" is not platform=fault:every, e.g. meta=rate_limit:3`,
      );
    out[match[1]!] = { fault: match[2], every: Number(match[3]) };
  }
  const parsed = AudienceFaults.safeParse(out);
  if (!parsed.success)
    throw new AudienceFaultsConfigError(`FELTFIT_AUDIENCE_FAULTS: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** One request the fake received, as written to the outbox. */
export interface ReceivedRequest {
  readonly channel: 'audience';
  readonly destination: AudiencePlatform | 'google-oauth';
  readonly createdAt: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly answer: { readonly status: number; readonly body: unknown };
  /** The fault injected into this answer, if any. */
  readonly fault?: AudienceFault['fault'];
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Raw text (S3's XML) instead of JSON. */
  text?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Methods, path, platform; the groups are the route's parameters (the method is appended). */
const ROUTES: readonly (readonly [readonly string[], RegExp, AudiencePlatform | 'google-oauth'])[] = [
  [['POST', 'DELETE'], /^\/v\d+\.\d+\/([^/]+)\/(users|usersreplace)$/, 'meta'],
  [['POST'], /^\/v1\/audienceMembers:(ingest|remove)$/, 'google'],
  [['POST'], /^\/token$/, 'google-oauth'],
  [['POST'], /^\/open_api\/v1\.3\/segment\/mapping\/$/, 'tiktok'],
  [['POST'], /^\/rest\/dmpSegments\/([^/]+)\/users$/, 'linkedin'],
  [['PUT'], /^\/([^/]+)\/(.+)$/, 's3'],
];
const META_HASHED = new Set(['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'CT', 'ST', 'COUNTRY']);
const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const googleError = (status: number, code: string, message: string, details: unknown[] = []) => ({
  status,
  body: { error: { code: status, message, status: code, details } },
});
const s3Error = (status: number, code: string, message: string): Reply => ({
  status,
  body: undefined,
  text: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
  headers: { 'content-type': 'application/xml' },
});

/** The fake. `listen()` answers its base URL. */
export class LocalAudiencePlatforms {
  private server?: Server;
  private readonly counts = new Map<AudiencePlatform, number>();
  private readonly googleTokens = new Set<string>();
  private seq = 0;
  private ready?: Promise<unknown>;
  /** Every request received, oldest first (also in the outbox when a folder is given). */
  readonly received: ReceivedRequest[] = [];

  constructor(
    private readonly options: {
      readonly outboxDir?: string;
      readonly faults?: AudienceFaults;
      readonly now?: () => Date;
    } = {},
  ) {}

  /** Listens on `port` (0: any free one) and answers the base URL. */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: String(err) }));
      });
    });
    return new Promise((resolve) => {
      this.server!.listen(port, host, () => {
        const addr = this.server!.address();
        resolve(`http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const route = this.route(method, url.pathname);
    let body: unknown = raw;
    let reply: Reply;
    let fault: AudienceFault | undefined;
    if (!route) reply = { status: 404, body: { message: `no fake for ${method} ${url.pathname}` } };
    else {
      body = parseBody(route.platform, req.headers['content-type'] ?? '', raw);
      if (route.platform !== 'google-oauth') fault = this.fault(route.platform);
      reply =
        fault && fault.fault !== 'partial'
          ? faultReply(route.platform as AudiencePlatform, fault)
          : this.answer(route.platform, route.params, req, body, fault?.fault === 'partial');
    }
    const destination = route?.platform;
    // A path no platform has is answered 404 and not recorded: it is no request to a destination.
    if (destination)
      await this.record({
        channel: 'audience',
        destination,
        createdAt: (this.options.now?.() ?? new Date()).toISOString(),
        method,
        path: url.pathname,
        body,
        answer: { status: reply.status, body: reply.text ?? reply.body },
        ...(fault ? { fault: fault.fault } : {}),
      });
    res
      .writeHead(reply.status, {
        'content-type': 'application/json',
        ...(destination === 'meta' ? { 'x-fb-trace-id': randomUUID() } : {}),
        ...(destination === 'linkedin' ? { 'x-li-uuid': randomUUID() } : {}),
        ...reply.headers,
      })
      .end(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  }

  private route(
    method: string,
    path: string,
  ): { platform: AudiencePlatform | 'google-oauth'; params: string[] } | undefined {
    for (const [methods, pattern, platform] of ROUTES) {
      const m = methods.includes(method) ? pattern.exec(path) : null;
      if (m) return { platform, params: [...m.slice(1).map((p) => decodeURIComponent(p ?? '')), method] };
    }
    return undefined;
  }

  /** The fault due on this request to the platform, if any. */
  private fault(platform: AudiencePlatform): AudienceFault | undefined {
    const n = (this.counts.get(platform) ?? 0) + 1;
    this.counts.set(platform, n);
    const f = this.options.faults?.[platform];
    return f && n % f.every === 0 ? f : undefined;
  }

  private answer(
    platform: AudiencePlatform | 'google-oauth',
    params: string[],
    req: IncomingMessage,
    body: unknown,
    partial: boolean,
  ): Reply {
    const auth = req.headers.authorization ?? '';
    switch (platform) {
      case 'google-oauth': {
        const form = body as Record<string, string>;
        if (form.grant_type !== 'refresh_token' || !form.refresh_token || !form.client_id)
          return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
        const token = `ya29.local-${randomUUID()}`;
        this.googleTokens.add(token);
        return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
      }
      case 'meta':
        if (!auth.startsWith('Bearer ') || auth.length <= 7)
          return metaError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
        return metaAnswer(params, body, partial);
      case 'google':
        if (!this.googleTokens.has(auth.replace(/^Bearer /, '')))
          return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
        return googleAnswer(body, partial);
      case 'tiktok':
        if (!req.headers['access-token'])
          return { status: 200, body: tiktokBody(40105, 'The access token is invalid or has been revoked.') };
        return tiktokAnswer(body);
      case 'linkedin':
        if (!auth.startsWith('Bearer '))
          return {
            status: 401,
            body: { status: 401, serviceErrorCode: 65600, message: 'Invalid access token' },
          };
        return linkedinAnswer(body, partial);
      case 's3':
        return { status: 200, body: undefined, headers: { etag: `"${randomUUID().replace(/-/g, '')}"` } };
    }
  }

  private async record(entry: ReceivedRequest): Promise<void> {
    this.received.push(entry);
    const dir = this.options.outboxDir;
    if (!dir) return;
    this.ready ??= mkdir(dir, { recursive: true });
    await this.ready;
    this.seq += 1;
    // The random part keeps two fakes writing into one folder (parallel runtimes) from colliding.
    const name = `${stamp(new Date(entry.createdAt))}-audience-${entry.destination}-${String(this.seq).padStart(6, '0')}-${randomUUID().slice(0, 8)}.audience.json`;
    await writeFile(join(dir, name), `${JSON.stringify(entry, null, 2)}\n`, { flag: 'wx' });
  }
}

/** JSON, Meta's form (each parameter a JSON string), Google's token form, or S3's CSV text. */
function parseBody(platform: string, type: string, raw: string): unknown {
  if (platform === 's3') return raw;
  if (type.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      try {
        out[k] = platform === 'meta' ? JSON.parse(v) : v;
      } catch {
        out[k] = v;
      }
    }
    return out;
  }
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return raw;
  }
}

const tiktokBody = (code: number, message: string) => ({ code, message, request_id: randomUUID(), data: {} });
const metaError = (
  status: number,
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
): Reply => ({
  status,
  body: { error: { message, type: 'OAuthException', code, fbtrace_id: randomUUID(), ...extra } },
});

function faultReply(platform: AudiencePlatform, fault: AudienceFault): Reply {
  const wait = fault.retryAfterSeconds ?? 1;
  const kind = fault.fault;
  switch (platform) {
    case 'meta':
      if (kind === 'rate_limit') {
        const usage = {
          local: [
            {
              type: 'custom_audience',
              call_count: 100,
              total_cputime: 40,
              total_time: 60,
              estimated_time_to_regain_access: Math.ceil(wait / 60),
            },
          ],
        };
        return {
          ...metaError(
            400,
            80003,
            'There have been too many calls to this ad-account. Wait a bit and try again.',
          ),
          headers: { 'x-business-use-case-usage': JSON.stringify(usage) },
        };
      }
      if (kind === 'server_error')
        return metaError(500, 2, 'An unexpected error has occurred. Please retry your request later.', {
          is_transient: true,
        });
      return metaError(400, 100, 'Invalid parameter', { error_subcode: 1870034 });
    case 'google':
      if (kind === 'rate_limit')
        return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RESOURCE_EXHAUSTED',
            domain: 'datamanager.googleapis.com',
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${wait}s` },
        ]);
      if (kind === 'server_error')
        return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
      return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'INVALID_DESTINATION',
          domain: 'datamanager.googleapis.com',
        },
      ]);
    case 'tiktok':
      if (kind === 'rate_limit')
        return {
          status: 200,
          body: tiktokBody(40100, 'Too many requests. Please retry in some time.'),
          headers: { 'retry-after': String(wait) },
        };
      if (kind === 'server_error') return { status: 200, body: tiktokBody(50000, 'System error') };
      return { status: 200, body: tiktokBody(40002, 'Invalid parameters: audience_ids') };
    case 'linkedin':
      if (kind === 'rate_limit')
        return {
          status: 429,
          body: {
            status: 429,
            serviceErrorCode: 101,
            code: 'TOO_MANY_REQUESTS',
            message: 'Resource level throttle limit exceeded',
          },
          headers: { 'retry-after': String(wait) },
        };
      if (kind === 'server_error')
        return { status: 500, body: { status: 500, message: 'Internal Server Error' } };
      return { status: 400, body: { status: 400, serviceErrorCode: 100, message: 'Invalid segment' } };
    case 's3':
      if (kind === 'rate_limit') return s3Error(503, 'SlowDown', 'Please reduce your request rate.');
      if (kind === 'server_error')
        return s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      return s3Error(403, 'AccessDenied', 'Access Denied');
  }
}

function metaAnswer(params: string[], body: unknown, partial: boolean): Reply {
  const [audienceId, edge] = params;
  const b = (body ?? {}) as {
    payload?: { schema?: unknown; data?: unknown };
    session?: { session_id?: number };
  };
  const schema = Array.isArray(b.payload?.schema) ? (b.payload.schema as string[]) : undefined;
  const data = Array.isArray(b.payload?.data) ? (b.payload.data as string[][]) : undefined;
  if (!schema || !data) return metaError(400, 100, '(#100) The parameter payload is required');
  if (data.length > 10_000) return metaError(400, 100, '(#100) Too many users in one request: at most 10000');
  if (edge === 'usersreplace' && !b.session)
    return metaError(400, 100, '(#100) The parameter session is required');
  const samples: Record<string, string> = {};
  let invalid = 0;
  data.forEach((row, i) => {
    const bad = row.find((v, c) => v !== '' && META_HASHED.has(schema[c] ?? '') && !HEX64.test(v));
    const first = row.find((v) => v !== '');
    if (bad !== undefined || (partial && i === 0)) {
      invalid += 1;
      samples[bad ?? first ?? ''] = 'Invalid hashed value';
    }
  });
  return {
    status: 200,
    body: {
      audience_id: audienceId,
      session_id: String(b.session?.session_id ?? Math.floor(Math.random() * 2 ** 48)),
      num_received: data.length,
      num_invalid_entries: invalid,
      invalid_entry_samples: samples,
    },
  };
}

function googleAnswer(body: unknown, partial: boolean): Reply {
  const b = (body ?? {}) as { audienceMembers?: unknown[]; encoding?: string };
  const members = Array.isArray(b.audienceMembers) ? b.audienceMembers : [];
  if (members.length > 10_000)
    return googleError(400, 'INVALID_ARGUMENT', 'Too many audience members.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'TOO_MANY_AUDIENCE_MEMBERS',
        domain: 'datamanager.googleapis.com',
      },
    ]);
  const violations: { field: string; description: string; reason: string }[] = [];
  members.forEach((m, i) => {
    const ids =
      (m as { userData?: { userIdentifiers?: Record<string, unknown>[] } }).userData?.userIdentifiers ?? [];
    ids.forEach((id, j) => {
      const value = (id.emailAddress ?? id.phoneNumber) as string | undefined;
      if (value !== undefined && !HEX64.test(value))
        violations.push({
          field: `audience_members[${i}].user_data.user_identifiers[${j}]`,
          description: 'The SHA256 encoded value is malformed.',
          reason: 'INVALID_SHA256_FORMAT',
        });
    });
    if (partial && i === 0 && violations.length === 0)
      violations.push({
        field: 'audience_members[0]',
        description: 'This audience member is not valid.',
        reason: 'INVALID_AUDIENCE_MEMBER',
      });
  });
  if (violations.length > 0)
    return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: violations[0]!.reason,
        domain: 'datamanager.googleapis.com',
      },
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
    ]);
  return { status: 200, body: { requestId: randomUUID() } };
}

function tiktokAnswer(body: unknown): Reply {
  const b = (body ?? {}) as { batch_data?: { id?: string }[][]; id_schema?: string[]; action?: string };
  if (
    !Array.isArray(b.batch_data) ||
    !Array.isArray(b.id_schema) ||
    !['add', 'delete'].includes(b.action ?? '')
  )
    return {
      status: 200,
      body: tiktokBody(40002, 'Invalid parameters: batch_data, id_schema and action are required'),
    };
  const bad = b.batch_data.some((row) => row.some((cell) => cell.id !== undefined && !HEX64.test(cell.id)));
  if (bad) return { status: 200, body: tiktokBody(40002, 'Invalid parameters: id is not SHA256') };
  return { status: 200, body: tiktokBody(0, 'OK') };
}

function linkedinAnswer(body: unknown, partial: boolean): Reply {
  const elements = ((body ?? {}) as { elements?: { userIds?: { idType?: string; idValue?: string }[] }[] })
    .elements;
  if (!Array.isArray(elements))
    return { status: 400, body: { status: 400, message: 'elements is required' } };
  return {
    status: 200,
    body: {
      elements: elements.map((e, i) => {
        const bad = (e.userIds ?? []).some(
          (u) => u.idType === 'SHA256_EMAIL' && !HEX64.test(u.idValue ?? ''),
        );
        return bad || (partial && i === 0)
          ? { status: 400, error: { status: 400, message: 'Invalid SHA256_EMAIL idValue' } }
          : { status: 201 };
      }),
    },
  };
}
