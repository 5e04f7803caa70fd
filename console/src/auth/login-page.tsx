// Login: paste an admin token; it is checked against GET /admin/whoami before the console opens.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, makeApi } from '../api/client.js';
import type { Whoami } from '../api/types.js';

export function LoginPage({ onLogin }: { onLogin: (token: string, me: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!token.trim()) {
      setError('Enter an admin token.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await makeApi(token.trim(), () => {})<Whoami>('/admin/whoami');
      onLogin(token.trim(), me);
    } catch (err) {
      const e2 = err as ApiError;
      setError(e2.status === 401 || e2.status === 403 ? 'This token is not valid.' : e2.message);
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">Moat console</h1>
        <p>Sign in with an admin token. It is kept in this tab only.</p>
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          ref={input}
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : undefined}
        />
        {error && (
          <p id="login-error" role="alert" className="error-text">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
