/**
 * Sign-in. Locally the runtime keeps the session in an HttpOnly cookie (nothing to do here but
 * post the token form). In AWS the console signs in with Cognito's managed login: authorization
 * code with PKCE for a public client; the tokens stay in sessionStorage of this tab only.
 */
import { signal } from '@preact/signals';

export interface CognitoConfig {
  readonly kind: 'cognito';
  readonly domain: string;
  readonly clientId: string;
  readonly region?: string;
  readonly userPoolId?: string;
}
export type AuthConfig = { readonly kind: 'local' } | CognitoConfig;

/** True once a request has answered 401: the app shows the sign-in page. */
export const signedOut = signal(false);

let config: AuthConfig = { kind: 'local' };
const TOKENS = 'feltfit.tokens';
const VERIFIER = 'feltfit.pkce';

export function initAuth(c: AuthConfig): void {
  config = c;
}

export function authKind(): AuthConfig['kind'] {
  return config.kind;
}

export function onUnauthenticated(): void {
  signedOut.value = true;
}

export async function authHeaders(): Promise<Record<string, string>> {
  if (config.kind !== 'cognito') return {};
  const raw = sessionStorage.getItem(TOKENS);
  if (!raw) return {};
  const t = JSON.parse(raw) as { access_token?: string; expires_at?: number };
  if (!t.access_token || (t.expires_at ?? 0) < Date.now()) return {};
  return { authorization: `Bearer ${t.access_token}` };
}

const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: b64url(digest) };
}

/** Sends the browser to Cognito's managed login. */
export async function startCognitoSignIn(): Promise<void> {
  if (config.kind !== 'cognito') return;
  const { verifier, challenge } = await pkcePair();
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER, JSON.stringify({ verifier, state, back: location.pathname }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: `${location.origin}/auth/callback`,
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  });
  location.assign(`https://${config.domain}/oauth2/authorize?${q}`);
}

/** Completes the code flow on /auth/callback; returns the path to go back to. */
export async function finishCognitoSignIn(): Promise<string | undefined> {
  if (config.kind !== 'cognito' || location.pathname !== '/auth/callback') return undefined;
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(VERIFIER) ?? '{}') as {
    verifier?: string;
    state?: string;
    back?: string;
  };
  sessionStorage.removeItem(VERIFIER);
  const code = params.get('code');
  if (!code || !saved.verifier || params.get('state') !== saved.state) return '/';
  const res = await fetch(`https://${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: `${location.origin}/auth/callback`,
      code_verifier: saved.verifier,
    }),
  });
  if (res.ok) {
    const t = (await res.json()) as { access_token: string; id_token: string; expires_in: number };
    sessionStorage.setItem(TOKENS, JSON.stringify({ ...t, expires_at: Date.now() + t.expires_in * 1000 }));
    signedOut.value = false;
  }
  return saved.back ?? '/';
}

/** Signs out: the local session cookie, or the Cognito tokens and the managed-login session. */
export async function signOut(): Promise<void> {
  if (config.kind === 'cognito') {
    sessionStorage.removeItem(TOKENS);
    const q = new URLSearchParams({ client_id: config.clientId, logout_uri: `${location.origin}/` });
    location.assign(`https://${config.domain}/logout?${q}`);
    return;
  }
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
  signedOut.value = true;
}
