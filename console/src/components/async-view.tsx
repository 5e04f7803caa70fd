// Renders the loading, error and "not available yet" states every view needs, and the data otherwise.
import type { ReactNode } from 'react';
import type { Loaded } from '../hooks/use-api.js';

export function AsyncView<T>({ state, what, children }: { state: Loaded<T> & { reload: () => void }; what: string; children: (data: T) => ReactNode }) {
  switch (state.kind) {
    case 'loading':
      return (
        <p className="state loading" role="status" aria-live="polite">
          Loading {what}…
        </p>
      );
    case 'unavailable':
      return (
        <div className="state unavailable" role="status">
          <strong>{capitalise(what)} not available.</strong> This gateway's admin API does not offer this view yet.
        </div>
      );
    case 'error':
      return (
        <div className="state error" role="alert">
          <strong>Could not load {what}:</strong> {state.error.message} <code>{state.error.code}</code>{' '}
          <button type="button" onClick={state.reload}>
            Retry
          </button>
        </div>
      );
    case 'ok':
      return (
        <>
          {state.stale && (
            <p className="state stale" role="status">
              Showing data from the last successful refresh: {state.stale.message}
            </p>
          )}
          {children(state.data)}
        </>
      );
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
