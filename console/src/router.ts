/** A small history router: the path is a signal; links call `navigate` instead of reloading. */
import { signal } from '@preact/signals';

export const currentPath = signal(location.pathname + location.search);

export function navigate(to: string, replace = false): void {
  if (to === currentPath.value) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  currentPath.value = to;
}

addEventListener('popstate', () => {
  currentPath.value = location.pathname + location.search;
});

/** The path's segments and query. */
export function parsePath(path: string): { segments: string[]; query: URLSearchParams } {
  const [p = '/', q = ''] = path.split('?');
  return { segments: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

/** Intercepts a click on an in-app link (left click without modifiers). */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element | null)?.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (!href?.startsWith('/') || a.target || a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(href);
}
