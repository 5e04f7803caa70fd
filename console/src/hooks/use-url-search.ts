// A search whose filters live in the page's URL (so a search is a link that can be shared and the back button
// works), paged newest first with the server's cursor: the request log and the audit trail. The form is
// edited locally and becomes the URL on submit; `?page=` only numbers the pages, the cursor selects them.
import { useEffect, useState, type FormEvent } from 'react';
import { navigate } from './use-route.js';

export interface UrlSearch<F extends string> {
  /** The filters in the URL, by field ('' when unset). */
  applied: Record<F, string>;
  /** The form's fields as edited, not yet submitted. */
  form: Record<F, string>;
  set(field: F, value: string): void;
  /** The form's onSubmit: the trimmed, non-empty fields become the URL (back to the newest page). */
  submit(e: FormEvent): void;
  /** The applied filters (non-empty fields only), without paging. */
  filters: URLSearchParams;
  /** The admin API query of this page: the filters, the page size and the cursor. */
  serverQuery: URLSearchParams;
  /** 1-based number of the page shown. */
  page: number;
  /** Shows the newest page of these filters (or of none, given empty params). */
  go(p: URLSearchParams): void;
  /** The next page, from the server's cursor of the last entry shown. */
  older(cursor: string | number): void;
}

export function useUrlSearch<F extends string>({ path, fields, query, cursor, pageSize }: { path: string; fields: readonly F[]; query: URLSearchParams; cursor: string; pageSize: number }): UrlSearch<F> {
  const applied = Object.fromEntries(fields.map((f) => [f, query.get(f) ?? ''])) as Record<F, string>;
  const [form, setForm] = useState(applied);
  useEffect(() => setForm(applied), [query.toString()]);
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const filters = new URLSearchParams();
  for (const f of fields) if (applied[f]) filters.set(f, applied[f]);
  const serverQuery = new URLSearchParams(filters);
  serverQuery.set('limit', String(pageSize));
  const before = query.get(cursor);
  if (before) serverQuery.set(cursor, before);

  const go = (p: URLSearchParams) => navigate(`${path}${p.size ? `?${p}` : ''}`);
  return {
    applied,
    form,
    set: (f, v) => setForm({ ...form, [f]: v }),
    submit(e) {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const f of fields) if (form[f].trim()) p.set(f, form[f].trim());
      go(p);
    },
    filters,
    serverQuery,
    page,
    go,
    older(next) {
      const p = new URLSearchParams(filters);
      p.set(cursor, String(next));
      p.set('page', String(page + 1));
      go(p);
    },
  };
}
