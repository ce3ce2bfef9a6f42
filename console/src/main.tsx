/** Boot: read the runtime config, finish a sign-in if this is its callback, ask who we are, render. */
import './styles.css';
import { render } from 'preact';
import { ApiError, call, setApiBase } from './api.js';
import { App, type Me } from './app.js';
import { type AuthConfig, finishCognitoSignIn, initAuth, signedOut } from './auth.js';
import { navigate } from './router.js';
import { SignIn } from './sign-in.js';
import { ErrorNote } from './ui.js';

interface RuntimeConfig {
  readonly auth: AuthConfig;
  readonly apiBase?: string;
}

const root = document.getElementById('app')!;

function Root({ me }: { me?: Me }) {
  if (signedOut.value || !me) return <SignIn />;
  return <App me={me} />;
}

async function boot(): Promise<void> {
  const config = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as RuntimeConfig;
  initAuth(config.auth);
  setApiBase(config.apiBase ?? '/api');
  const back = await finishCognitoSignIn();
  if (back) navigate(back, true);
  let me: Me | undefined;
  try {
    me = (await call<{ caller: Me }>('me')).caller;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    signedOut.value = true;
  }
  render(<Root {...(me ? { me } : {})} />, root);
  // After a sign-in from the sign-in page, load afresh with the new session.
  signedOut.subscribe((out) => {
    if (!out && !me) location.reload();
  });
}

boot().catch((err: unknown) => render(<ErrorNote error={err} />, root));
