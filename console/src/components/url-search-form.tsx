// The parts of a URL-backed search (hooks/use-url-search.ts) that the request log and the audit trail share:
// the form with its time range in the viewer's time zone, submit and Clear, and the pager below the results.
import type { ReactNode } from 'react';
import type { UrlSearch } from '../hooks/use-url-search.js';
import { fromLocalInput, toLocalInput, viewerTimeZone } from './datetime-input.js';

/** A role=search form: the page's own fields (children), then From / To (ids `${idPrefix}-from|to`) and the buttons. */
export function UrlSearchForm({ search, label, idPrefix, submitLabel, children }: { search: UrlSearch<'from' | 'to'>; label: string; idPrefix: string; submitLabel: string; children: ReactNode }) {
  const { form, set } = search;
  const tz = viewerTimeZone();
  return (
    <form role="search" aria-label={label} onSubmit={search.submit} className="search">
      {children}
      <div>
        <label htmlFor={`${idPrefix}-from`}>From ({tz})</label>
        <input id={`${idPrefix}-from`} type="datetime-local" value={toLocalInput(form.from)} onChange={(e) => set('from', fromLocalInput(e.target.value))} />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-to`}>To ({tz})</label>
        <input id={`${idPrefix}-to`} type="datetime-local" value={toLocalInput(form.to)} onChange={(e) => set('to', fromLocalInput(e.target.value))} />
      </div>
      <button type="submit" className="primary">
        {submitLabel}
      </button>
      {search.filters.size > 0 && (
        <button type="button" onClick={() => search.go(new URLSearchParams())}>
          Clear
        </button>
      )}
    </form>
  );
}

/** Newest (from page 2 on) and Older → (while the server gives a cursor); `back` adds ← Newer (history back). */
export function CursorPager({ search, label, next, back = false }: { search: Pick<UrlSearch<string>, 'page' | 'filters' | 'go' | 'older'>; label: string; next: string | number | undefined; back?: boolean }) {
  const { page } = search;
  return (
    <nav aria-label={label} className="actions">
      {back && page > 1 && (
        <button type="button" onClick={() => history.back()}>
          ← Newer
        </button>
      )}
      {page > 1 && (
        <button type="button" onClick={() => search.go(search.filters)}>
          Newest
        </button>
      )}
      {next !== undefined && (
        <button type="button" onClick={() => search.older(next)}>
          Older →
        </button>
      )}
    </nav>
  );
}
