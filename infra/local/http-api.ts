import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { CONSOLE_SECURITY_HEADERS, consoleFile, LocalConsoleAuth, sessionCookie } from './console.js';
import type { LocalFunction } from './lambda.js';
import { type Resolver, UnsupportedTemplateError } from './template.js';

/** API Gateway HTTP API's own request size limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A stage's or route's throttle, as the template's ThrottlingRateLimit / ThrottlingBurstLimit. */
export interface ThrottleSettings {
  /** Steady-state requests per second (the bucket's refill rate). */
  readonly rateLimit: number;
  /** The bucket's size: requests admitted at once from a full bucket. */
  readonly burstLimit: number;
}

/** Raised when a `rate:burst` throttle setting is not valid; names the variable. */
export class ThrottleConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThrottleConfigError';
  }
}

const ThrottleText = z
  .string()
  .regex(/^\d+(\.\d+)?:\d+$/)
  .transform((t) => {
    const [rate, burst] = t.split(':').map(Number) as [number, number];
    return { rateLimit: rate, burstLimit: burst };
  });

/**
 * Parses a stage throttle written `rate:burst` (requests per second, bucket size), e.g. `5:10`;
 * undefined when unset or empty. `variable` names the setting in the error.
 */
export function parseThrottle(text: string | undefined, variable: string): ThrottleSettings | undefined {
  if (!text?.trim()) return undefined;
  const parsed = ThrottleText.safeParse(text.trim());
  if (!parsed.success)
    throw new ThrottleConfigError(`${variable} must be rate:burst, e.g. 5:10 (got ${JSON.stringify(text)})`);
  return parsed.data;
}

/**
 * API Gateway's account-level throttle per Region (its default quota), which applies where a stage
 * sets no limit of its own; shared by every route, as it is shared by every API of the account.
 */
export const ACCOUNT_THROTTLE: ThrottleSettings = { rateLimit: 10_000, burstLimit: 5_000 };

/**
 * The token bucket API Gateway throttles with: it holds at most `burstLimit` tokens, refills at
 * `rateLimit` per second, and each request takes one or is refused. Starts full.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly settings: ThrottleSettings,
    now: number,
  ) {
    this.tokens = settings.burstLimit;
    this.last = now;
  }

  /** Takes a token at `now` (milliseconds, monotonic); false when the bucket is empty. */
  take(now: number): boolean {
    const { rateLimit, burstLimit } = this.settings;
    this.tokens = Math.min(burstLimit, this.tokens + (Math.max(0, now - this.last) / 1000) * rateLimit);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface RouteSettings {
  ThrottlingRateLimit?: number;
  ThrottlingBurstLimit?: number;
}

/** A route's throttle: its RouteSettings over the stage's DefaultRouteSettings, unset parts from the account's. */
function throttleOf(
  route: RouteSettings | undefined,
  stage: RouteSettings | undefined,
): ThrottleSettings | undefined {
  const rate = route?.ThrottlingRateLimit ?? stage?.ThrottlingRateLimit;
  const burst = route?.ThrottlingBurstLimit ?? stage?.ThrottlingBurstLimit;
  if (rate === undefined && burst === undefined) return undefined;
  return {
    rateLimit: Number(rate ?? ACCOUNT_THROTTLE.rateLimit),
    burstLimit: Number(burst ?? ACCOUNT_THROTTLE.burstLimit),
  };
}

interface LocalRoute {
  method: string;
  path: string;
  /** The route path as a pattern: `{name}` matches one segment, `{name+}` the rest. */
  pattern: RegExp;
  params: string[];
  fn: LocalFunction;
  routeKey: string;
  /** The stage's token bucket for this route (each route has its own), else the account's shared one. */
  bucket: TokenBucket;
  /** The integrated function's ReservedConcurrentExecutions, when the template sets it. */
  reservedConcurrency?: number;
  /** `iam`: the admin bearer token (SigV4 in AWS); `jwt`: a console session or token (Cognito in AWS). */
  auth: 'iam' | 'jwt' | 'none';
}

interface Cors {
  AllowOrigins?: string[];
  AllowMethods?: string[];
  AllowHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
  AllowCredentials?: boolean;
}

function authOf(type: unknown): LocalRoute['auth'] {
  if (type === 'AWS_IAM') return 'iam';
  if (type === 'JWT') return 'jwt';
  return 'none';
}

/** Reads a sign-in form (a few hundred bytes; anything over 8 KB is cut). */
async function readSmallBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 8192) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A route path as a pattern: `{name}` matches one segment, `{name+}` the rest of the path. */
export function routePattern(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const m = /^\{([^}+]+)(\+?)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** Content types API Gateway passes to Lambda as text; everything else arrives base64-encoded. */
function isTextual(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding && contentEncoding !== 'identity') return false;
  if (!contentType) return true;
  const ct = contentType.toLowerCase();
  return (
    ct.startsWith('text/') ||
    ct.includes('json') ||
    ct.includes('xml') ||
    ct.includes('javascript') ||
    ct.startsWith('application/x-www-form-urlencoded')
  );
}

/** API Gateway's own JSON error answers (no Retry-After: API Gateway sets none). */
function gatewayError(res: ServerResponse, status: number, message: string, headers: Record<string, string>) {
  res
    .writeHead(status, { 'content-type': 'application/json', 'apigw-requestid': randomUUID(), ...headers })
    .end(JSON.stringify({ message }));
}

/** What the local API is told beyond the template. */
export interface LocalHttpApiOptions {
  /** Local state (console users). */
  readonly dataDir: string;
  /** The console's static files, when the template deploys them. */
  readonly consoleDir?: string | undefined;
  /**
   * Replaces the stage's DefaultRouteSettings throttle, as a deploy with another `ingest.throttle`
   * would (the load bench and the overload test bring overload within a laptop's reach with it).
   */
  readonly stageThrottle?: ThrottleSettings | undefined;
}

/**
 * The template's HTTP API served on localhost: routes, integrations, CORS and the stage's throttle
 * read from the AWS::ApiGatewayV2 resources; each request becomes a payload-format-2.0 event for the
 * integrated function. Routes with AWS_IAM authorization require the local admin bearer token instead
 * of SigV4. Overload is answered as API Gateway answers it: a request over its route's token bucket
 * gets 429 `{"message":"Too Many Requests"}` before anything runs; one whose function is at its
 * ReservedConcurrentExecutions gets 500 `{"message":"Internal Server Error"}` (Lambda refused the
 * invocation, which API Gateway reports as an internal error).
 */
export class LocalHttpApi {
  private readonly routes: LocalRoute[] = [];
  private cors?: Cors;
  private server?: Server;

  private readonly consoleAuth: LocalConsoleAuth;

  constructor(
    resolver: Resolver,
    functions: Map<string, LocalFunction>,
    private readonly adminToken: string,
    private readonly options: LocalHttpApiOptions,
  ) {
    this.consoleAuth = new LocalConsoleAuth(adminToken, options.dataDir);
    for (const [, api] of resolver.ofType('AWS::ApiGatewayV2::Api')) {
      this.cors = api.Properties?.CorsConfiguration as Cors | undefined;
    }
    const byArn = new Map(
      [...functions.values()].map((f) => [
        `arn:aws:lambda:us-east-1:000000000000:function:${f.logicalId}`,
        f,
      ]),
    );
    const integrations = new Map<string, LocalFunction>();
    for (const [id, integ] of resolver.ofType('AWS::ApiGatewayV2::Integration')) {
      const uri = String(resolver.resolve(integ.Properties?.IntegrationUri));
      const fn = byArn.get(uri);
      if (!fn || integ.Properties?.IntegrationType !== 'AWS_PROXY') {
        throw new UnsupportedTemplateError(`integration ${id}: only Lambda proxy integrations run locally`);
      }
      resolver.bind(id, { ref: id });
      integrations.set(id, fn);
    }
    const reserved = new Map<LocalFunction, number>();
    for (const [id, res] of resolver.ofType('AWS::Lambda::Function')) {
      const n = res.Properties?.ReservedConcurrentExecutions;
      const fn = functions.get(id);
      if (fn && n !== undefined) reserved.set(fn, Number(n));
    }
    // The ($default) stage's throttle: DefaultRouteSettings for every route, RouteSettings by route key.
    let stageDefault: RouteSettings | undefined;
    let byRouteKey: Record<string, RouteSettings> = {};
    for (const [, stage] of resolver.ofType('AWS::ApiGatewayV2::Stage')) {
      stageDefault = stage.Properties?.DefaultRouteSettings as RouteSettings | undefined;
      byRouteKey = (stage.Properties?.RouteSettings as Record<string, RouteSettings> | undefined) ?? {};
    }
    if (options.stageThrottle)
      stageDefault = {
        ThrottlingRateLimit: options.stageThrottle.rateLimit,
        ThrottlingBurstLimit: options.stageThrottle.burstLimit,
      };
    const now = performance.now();
    const account = new TokenBucket(ACCOUNT_THROTTLE, now);
    for (const [id, route] of resolver.ofType('AWS::ApiGatewayV2::Route')) {
      const routeKey = String(route.Properties?.RouteKey);
      const target = String(resolver.resolve(route.Properties?.Target));
      const fn = integrations.get(target.replace(/^integrations\//, ''));
      if (!fn) throw new UnsupportedTemplateError(`route ${id} (${routeKey}) targets no known integration`);
      const [method, path] = routeKey.split(' ') as [string, string];
      const { pattern, params } = routePattern(path);
      const throttle = throttleOf(byRouteKey[routeKey], stageDefault);
      const reservedConcurrency = reserved.get(fn);
      this.routes.push({
        method,
        path,
        pattern,
        params,
        fn,
        routeKey,
        bucket: throttle ? new TokenBucket(throttle, now) : account,
        ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
        auth: authOf(route.Properties?.AuthorizationType),
      });
    }
  }

  /** Binds every HTTP API's endpoint to the local URL (before function environments are resolved). */
  static bindEndpoints(resolver: Resolver, port: number): void {
    for (const [id] of resolver.ofType('AWS::ApiGatewayV2::Api')) {
      resolver.bind(id, { ref: id, attrs: { ApiEndpoint: `http://localhost:${port}` } });
    }
  }

  /** Route keys served, e.g. `POST /v1/track`. */
  routeKeys(): string[] {
    return this.routes.map((r) => r.routeKey);
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error('local http api: internal error', err instanceof Error ? err.message : err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
    });
    this.server.keepAliveTimeout = 5000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        const addr = this.server!.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private corsHeaders(origin: string | undefined): Record<string, string> {
    if (!this.cors || !origin) return {};
    const allowed = this.cors.AllowOrigins ?? [];
    if (!allowed.includes('*') && !allowed.includes(origin)) return {};
    const h: Record<string, string> = { 'access-control-allow-origin': allowed.includes('*') ? '*' : origin };
    if (this.cors.ExposeHeaders?.length)
      h['access-control-expose-headers'] = this.cors.ExposeHeaders.join(',');
    if (this.cors.AllowCredentials) h['access-control-allow-credentials'] = 'true';
    return h;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'GET' && url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    // CORS preflight, answered by API Gateway itself from the API's CorsConfiguration.
    if (method === 'OPTIONS' && this.cors && req.headers['access-control-request-method']) {
      const h = this.corsHeaders(origin);
      if (h['access-control-allow-origin']) {
        h['access-control-allow-methods'] = (this.cors.AllowMethods ?? ['*']).join(',');
        h['access-control-allow-headers'] = (this.cors.AllowHeaders ?? []).join(',');
        if (this.cors.MaxAge !== undefined) h['access-control-max-age'] = String(this.cors.MaxAge);
      }
      res.writeHead(204, h).end();
      return;
    }

    if (await this.signIn(req, res, url, method)) return;

    // Literal routes win over parameterised ones, as in API Gateway.
    const candidates = this.routes.filter(
      (r) => (r.method === method || r.method === 'ANY') && r.pattern.test(url.pathname),
    );
    const route = candidates.find((r) => r.params.length === 0) ?? candidates[0];
    if (!route && (method === 'GET' || method === 'HEAD') && this.serveConsole(url, res)) return;
    if (!route) {
      res
        .writeHead(404, { 'content-type': 'application/json', ...this.corsHeaders(origin) })
        .end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    // The stage's throttle comes first, before authorization and the body: nothing runs for a 429.
    if (!route.bucket.take(performance.now())) {
      req.resume();
      gatewayError(res, 429, 'Too Many Requests', this.corsHeaders(origin));
      return;
    }
    if (route.auth === 'iam' && !this.authorisedAdmin(req.headers.authorization)) {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    // As API Gateway's JWT authorizer: no valid token is a 401 before the integration runs.
    const claims =
      route.auth === 'jwt' ? this.consoleAuth.claimsOf(LocalConsoleAuth.tokenOf(req.headers)) : undefined;
    if (route.auth === 'jwt' && !claims) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Request Entity Too Large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const event = this.toEvent(req, url, route, raw);
    if (claims) {
      (event.requestContext as unknown as Record<string, unknown>).authorizer = {
        jwt: { claims, scopes: null },
      };
    }
    // Synchronous invocations are not queued by Lambda: with every reserved instance busy the Invoke
    // is refused (TooManyRequestsException) and API Gateway answers 500. Without a reservation the
    // account's pool applies, which a laptop does not model: the invocation waits for a local slot.
    const { running, queued } = route.fn.load;
    if (route.reservedConcurrency !== undefined && running + queued >= route.reservedConcurrency) {
      console.error(`local http api: ${route.routeKey} integration throttled (reserved concurrency)`);
      gatewayError(res, 500, 'Internal Server Error', this.corsHeaders(origin));
      return;
    }
    let result: APIGatewayProxyStructuredResultV2 | string | undefined;
    try {
      result = await route.fn.invoke<APIGatewayProxyStructuredResultV2 | string>(event);
    } catch (err) {
      // What API Gateway answers when the integration fails.
      console.error(
        `local http api: ${route.routeKey} integration error`,
        err instanceof Error ? err.message : err,
      );
      res
        .writeHead(500, { 'content-type': 'application/json', ...this.corsHeaders(origin) })
        .end(JSON.stringify({ message: 'Internal Server Error' }));
      return;
    }
    this.send(res, result, origin);
  }

  /**
   * Local sign-in (Cognito's managed login in AWS): `/?token=T`, `POST /auth/local` (form or JSON
   * `token`), `POST /auth/logout`. Answers true when it handled the request.
   */
  private async signIn(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<boolean> {
    const redirect = (location: string, cookie?: string) =>
      res
        .writeHead(303, {
          location,
          'cache-control': 'no-store',
          ...(cookie ? { 'set-cookie': cookie } : {}),
        })
        .end();
    if (method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      const token = url.searchParams.get('token') ?? '';
      if (this.consoleAuth.claimsOf(token)) redirect('/', sessionCookie(token));
      else redirect('/?signin=invalid_token', sessionCookie(undefined));
      return true;
    }
    if (method === 'POST' && url.pathname === '/auth/local') {
      const body = await readSmallBody(req);
      const type = req.headers['content-type'] ?? '';
      let token: string | undefined;
      if (type.includes('json')) {
        try {
          token = (JSON.parse(body) as { token?: unknown }).token as string | undefined;
        } catch {
          token = undefined;
        }
      } else token = new URLSearchParams(body).get('token') ?? undefined;
      const ok = typeof token === 'string' && !!this.consoleAuth.claimsOf(token);
      if (type.includes('json')) {
        res
          .writeHead(ok ? 204 : 401, {
            'content-type': 'application/json',
            'set-cookie': sessionCookie(ok ? token : undefined),
          })
          .end(
            ok
              ? undefined
              : JSON.stringify({ error: { code: 'invalid_token', message: 'that token is not valid' } }),
          );
      } else if (ok) redirect('/', sessionCookie(token));
      else redirect('/?signin=invalid_token', sessionCookie(undefined));
      return true;
    }
    if (method === 'POST' && url.pathname === '/auth/logout') {
      redirect('/', sessionCookie(undefined));
      return true;
    }
    return false;
  }

  /** The console's static files and its runtime config (S3 + CloudFront in AWS). */
  private serveConsole(url: URL, res: ServerResponse): boolean {
    const dir = this.options.consoleDir;
    if (
      !dir ||
      url.pathname.startsWith('/api/') ||
      url.pathname.startsWith('/admin/') ||
      url.pathname.startsWith('/v1/')
    )
      return false;
    if (url.pathname === '/config.json') {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ auth: { kind: 'local' }, apiBase: '/api' }));
      return true;
    }
    const file = consoleFile(dir, url.pathname);
    if (!file) return false;
    res
      .writeHead(200, {
        'content-type': file.type,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...CONSOLE_SECURITY_HEADERS,
      })
      .end(file.body);
    return true;
  }

  private authorisedAdmin(header: string | undefined): boolean {
    const m = /^Bearer (.+)$/i.exec(header ?? '');
    if (!m) return false;
    const a = Buffer.from(m[1]!);
    const b = Buffer.from(this.adminToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private toEvent(req: IncomingMessage, url: URL, route: LocalRoute, raw: Buffer): APIGatewayProxyEventV2 {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'cookie') continue;
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
    const textual = isTextual(headers['content-type'], headers['content-encoding']);
    const now = new Date();
    const cookies = req.headers.cookie?.split(';').map((c) => c.trim());
    const match = route.pattern.exec(url.pathname);
    const pathParameters = Object.fromEntries(
      route.params.map((name, i) => [name, decodeURIComponent(match?.[i + 1] ?? '')]),
    );
    return {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(route.params.length ? { pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: route.method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(raw.length ? { body: textual ? raw.toString('utf8') : raw.toString('base64') } : {}),
      isBase64Encoded: raw.length > 0 && !textual,
    } as APIGatewayProxyEventV2;
  }

  private send(
    res: ServerResponse,
    result: APIGatewayProxyStructuredResultV2 | string | undefined,
    origin: string | undefined,
  ): void {
    const cors = this.corsHeaders(origin);
    // Payload 2.0 inference: a result without statusCode is a 200 JSON body.
    if (result === undefined || typeof result !== 'object' || !('statusCode' in result)) {
      res
        .writeHead(200, { 'content-type': 'application/json', ...cors })
        .end(result === undefined ? '' : JSON.stringify(result));
      return;
    }
    const headers: Record<string, string | string[]> = { ...cors };
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    const body =
      result.body === undefined
        ? ''
        : result.isBase64Encoded
          ? Buffer.from(result.body, 'base64')
          : result.body;
    res.writeHead(result.statusCode ?? 200, headers).end(body);
  }
}
