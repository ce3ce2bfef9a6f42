/** The sign-in page: the local admin or console-user token, or Cognito's managed login in AWS. */
import { useState } from 'preact/hooks';
import { authKind, signedOut, startCognitoSignIn } from './auth.js';

export function SignIn() {
  const invalid = new URLSearchParams(location.search).get('signin') === 'invalid_token';
  const [error, setError] = useState(invalid ? 'That token is not valid.' : '');
  const [token, setToken] = useState('');
  if (authKind() === 'cognito') {
    return (
      <main class="signin" id="main">
        <h1>Sign in to Feltfit</h1>
        <button type="button" onClick={() => void startCognitoSignIn()}>
          Sign in
        </button>
      </main>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    const res = await fetch('/auth/local', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.trim() }),
    });
    if (res.ok) {
      history.replaceState(null, '', '/');
      signedOut.value = false;
      location.reload();
    } else setError('That token is not valid.');
  };
  return (
    <main class="signin" id="main">
      <h1>Sign in to Feltfit</h1>
      <p class="muted">
        Paste the admin token that <code>npm start</code> printed, or a console user's token (
        <code>npx feltfit users add NAME --role viewer</code>).
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <div class="field">
          <label for="token">Access token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            aria-describedby={error ? 'token-error' : undefined}
          />
          {error && (
            <small id="token-error" class="error" role="alert">
              {error}
            </small>
          )}
        </div>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
