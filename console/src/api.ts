/**
 * The console's one API client: calls admin routes by id from the shared route list
 * (shared/api/contract.ts), so a path or method cannot drift from the handler's.
 */
import { ADMIN_ROUTES, fillPath, type RouteId } from '../../shared/api/contract.js';
import { authHeaders, onUnauthenticated } from './auth.js';

/** An error answered by the API: its status, machine-readable code, message and field issues. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
  /** Field problems (zod-style paths) the API reported. */
  get issues(): { path: string[]; message: string }[] {
    const e = this.body.error as { issues?: { path: string[]; message: string }[] } | undefined;
    return e?.issues ?? (this.body.issues as { path: string[]; message: string }[] | undefined) ?? [];
  }
}

let apiBase = '/api';
export function setApiBase(base: string): void {
  apiBase = base.replace(/\/+$/, '');
}

export interface CallOptions {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** Calls an admin route; resolves to its JSON body or throws ApiError. */
export async function call<T = unknown>(id: RouteId, options: CallOptions = {}): Promise<T> {
  const spec = ADMIN_ROUTES[id];
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {}))
    if (v !== undefined && v !== '') qs.set(k, String(v));
  const url = `${apiBase}${fillPath(spec.path, options.params)}${qs.size ? `?${qs}` : ''}`;
  const res = await fetch(url, {
    method: spec.method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(await authHeaders()),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { message: text };
  }
  if (!res.ok) {
    if (res.status === 401) onUnauthenticated();
    const b = (body ?? {}) as { error?: { code?: string; message?: string }; message?: string };
    throw new ApiError(
      res.status,
      b.error?.code ?? (res.status === 401 ? 'unauthenticated' : `http_${res.status}`),
      b.error?.message ?? b.message ?? res.statusText,
      (body ?? {}) as Record<string, unknown>,
    );
  }
  return body as T;
}
