/** The console's frame: navigation, who is signed in, and the page for the current path. */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { signOut } from './auth.js';
import { currentPath, onLinkClick, parsePath } from './router.js';
import { ErrorNote, Loading } from './ui.js';

export interface Me {
  readonly kind: 'iam' | 'user';
  readonly id: string;
  readonly roles: string[];
  readonly actions: string[];
}

/** What each page receives. */
export interface PageProps {
  readonly me: Me;
  readonly segments: string[];
  readonly query: URLSearchParams;
}

type Loader = () => Promise<{ default: ComponentType<PageProps> }>;

/** The navigation, with exactly these labels, and each page's code loaded only when opened. */
export const NAV: readonly { label: string; path: string; load: Loader }[] = [
  { label: 'Overview', path: '/', load: () => import('./pages/overview.js') },
  { label: 'People', path: '/people', load: () => import('./pages/people.js') },
  { label: 'Audiences', path: '/audiences', load: () => import('./pages/audiences.js') },
  { label: 'Journeys', path: '/journeys', load: () => import('./pages/journeys.js') },
  { label: 'Campaigns', path: '/campaigns', load: () => import('./pages/campaigns.js') },
  { label: 'Content', path: '/content', load: () => import('./pages/content.js') },
  { label: 'Messages', path: '/messages', load: () => import('./pages/messages.js') },
  { label: 'Experiments', path: '/experiments', load: () => import('./pages/experiments.js') },
  { label: 'Models', path: '/models', load: () => import('./pages/models.js') },
  { label: 'Data quality', path: '/data-quality', load: () => import('./pages/data-quality.js') },
  { label: 'Settings', path: '/settings', load: () => import('./pages/settings.js') },
];

function navFor(path: string) {
  const first = `/${parsePath(path).segments[0] ?? ''}`;
  return NAV.find((n) => n.path === first);
}

export function App({ me }: { me: Me }) {
  const path = currentPath.value;
  const item = navFor(path);
  const [page, setPage] = useState<{ path: string; C: ComponentType<PageProps> } | { error: unknown }>();
  useEffect(() => {
    if (!item) return;
    let live = true;
    item.load().then(
      (m) => live && setPage({ path: item.path, C: m.default }),
      (error: unknown) => live && setPage({ error }),
    );
    return () => {
      live = false;
    };
  }, [item]);
  const { segments, query } = parsePath(path);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegates in-app link clicks to the router
    // biome-ignore lint/a11y/useKeyWithClickEvents: links keep their own keyboard behaviour
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Feltfit
        </a>
        <div class="who">
          <span>
            {me.id} <span class="muted">({me.roles.join(', ') || 'no role'})</span>
          </span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Main">
        <ul>
          {NAV.map((n) => (
            <li key={n.path}>
              <a href={n.path} aria-current={n === item ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {!item ? (
          <p>
            No such page. <a href="/">Back to the overview</a>
          </p>
        ) : page && 'error' in page ? (
          <ErrorNote error={page.error} />
        ) : page && page.path === item.path ? (
          <page.C me={me} segments={segments.slice(1)} query={query} />
        ) : (
          <Loading />
        )}
      </main>
    </div>
  );
}

/** May the signed-in user do this? (The API checks again; this only hides what would be refused.) */
export const can = (me: Me, action: string) => me.actions.includes(action);
