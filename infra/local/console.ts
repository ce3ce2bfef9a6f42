/**
 * The console on the local runtime: the static files the stack deploys to S3 (read from the
 * synthesized BucketDeployment, never built a second time here), and sign-in with the local admin
 * token or a local console user's token in place of Cognito.
 *
 * `/?token=T` signs in and redirects to `/` (the token leaves the address bar and lives in an
 * HttpOnly, SameSite=Strict session cookie); `POST /auth/local` does the same from the sign-in form;
 * `POST /auth/logout` signs out. Console API routes (`/api/admin/...`, JWT-authorized in AWS)
 * accept that cookie or a bearer token and reach the handler with the claims a Cognito JWT
 * authorizer would pass.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import * as z from 'zod';
import { Role } from '../../shared/api/roles.js';
import type { Resolver } from './template.js';

export const SESSION_COOKIE = 'ff_session';

/** A local console user: a name, its roles, and the SHA-256 of its token (the token is shown once). */
const LocalUser = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/),
  roles: z.array(Role).min(1),
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const UsersFile = z.object({ users: z.array(LocalUser) });
export type LocalUser = z.infer<typeof LocalUser>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const usersFile = (dataDir: string) => join(dataDir, 'console-users.json');

function readUsers(dataDir: string): LocalUser[] {
  const file = usersFile(dataDir);
  if (!existsSync(file)) return [];
  return UsersFile.parse(JSON.parse(readFileSync(file, 'utf8'))).users;
}

/**
 * Adds (or replaces) a local console user and returns its new token. The local stand-in for
 * inviting a user to the Cognito pool and adding them to groups.
 */
export function addLocalConsoleUser(dataDir: string, name: string, roles: Role[]): string {
  const token = `user_${randomBytes(24).toString('base64url')}`;
  mkdirSync(dataDir, { recursive: true });
  const users = readUsers(dataDir).filter((u) => u.name !== name);
  users.push(LocalUser.parse({ name, roles, tokenSha256: sha256(token) }));
  writeFileSync(usersFile(dataDir), `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  return token;
}

/** The local console users (names and roles; tokens are kept only as hashes). */
export function listLocalConsoleUsers(dataDir: string): { name: string; roles: Role[] }[] {
  return readUsers(dataDir).map(({ name, roles }) => ({ name, roles }));
}

/** Removes a local console user; answers whether there was one. */
export function removeLocalConsoleUser(dataDir: string, name: string): boolean {
  const users = readUsers(dataDir);
  const kept = users.filter((u) => u.name !== name);
  if (kept.length === users.length) return false;
  writeFileSync(usersFile(dataDir), `${JSON.stringify({ users: kept }, null, 2)}\n`, { mode: 0o600 });
  return true;
}

/** The claims a Cognito JWT authorizer would pass for a signed-in user. */
export interface LocalClaims {
  readonly sub: string;
  readonly 'cognito:username': string;
  readonly 'cognito:groups': string;
}

/** Who a token belongs to: the admin token is the user `local-admin`; others come from console-users.json. */
export class LocalConsoleAuth {
  constructor(
    private readonly adminToken: string,
    private readonly dataDir: string,
  ) {}

  claimsOf(token: string | undefined): LocalClaims | undefined {
    if (!token) return undefined;
    const a = Buffer.from(token);
    const b = Buffer.from(this.adminToken);
    if (a.length === b.length && timingSafeEqual(a, b)) return claims('local-admin', ['admin']);
    const hash = Buffer.from(sha256(token), 'hex');
    // Read on each request so a user added while the runtime runs can sign in at once.
    for (const u of readUsers(this.dataDir)) {
      if (timingSafeEqual(hash, Buffer.from(u.tokenSha256, 'hex'))) return claims(u.name, u.roles);
    }
    return undefined;
  }

  /** The token of a request: its bearer token, else its session cookie. */
  static tokenOf(headers: {
    authorization?: string | undefined;
    cookie?: string | undefined;
  }): string | undefined {
    const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer) return bearer;
    for (const part of (headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
    }
    return undefined;
  }
}

function claims(name: string, roles: readonly Role[]): LocalClaims {
  // The form API Gateway's JWT authorizer passes an array claim in.
  return { sub: `local:${name}`, 'cognito:username': name, 'cognito:groups': `[${roles.join(' ')}]` };
}

/** The session cookie for a token (or one that clears it). */
export function sessionCookie(token: string | undefined): string {
  const base = `${SESSION_COOKIE}=${token ? encodeURIComponent(token) : ''}; Path=/; HttpOnly; SameSite=Strict`;
  return token ? `${base}; Max-Age=${60 * 60 * 12}` : `${base}; Max-Age=0`;
}

/**
 * The folder of console files that the template's `Custom::CDKBucketDeployment` copies to S3:
 * the staged directory asset (`asset.<hash>` in the assembly) that holds `index.html`.
 */
export function consoleAssetDir(resolver: Resolver, assemblyDir: string): string | undefined {
  for (const [, res] of resolver.ofType('Custom::CDKBucketDeployment')) {
    // Named by the Console construct (infra/constructs/console.ts, CONSOLE_ASSET_METADATA).
    const named = res.Metadata?.['feltfit:console:asset-path'];
    if (typeof named === 'string' && existsSync(join(assemblyDir, named, 'index.html'))) {
      return join(assemblyDir, named);
    }
    const keys = (res.Properties?.SourceObjectKeys ?? []) as unknown[];
    for (const key of keys) {
      const hash = /^([0-9a-f]{64})\.zip$/.exec(String(key))?.[1];
      if (!hash) continue;
      const dir = join(assemblyDir, `asset.${hash}`);
      if (existsSync(join(dir, 'index.html'))) return dir;
    }
  }
  return undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The security headers CloudFront's response-headers policy adds in AWS (infra/constructs/console.ts). */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/** A static file of the console, or `index.html` for a path without an extension (SPA fallback). */
export function consoleFile(
  dir: string,
  pathname: string,
): { body: Buffer; type: string; immutable: boolean } | undefined {
  const wanted = pathname === '/' || extname(pathname) === '' ? '/index.html' : pathname;
  const file = resolve(dir, `.${normalize(wanted)}`);
  if (!file.startsWith(resolve(dir))) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  return {
    body: readFileSync(file),
    type: TYPES[extname(file)] ?? 'application/octet-stream',
    immutable: wanted.startsWith('/assets/chunk-'),
  };
}
