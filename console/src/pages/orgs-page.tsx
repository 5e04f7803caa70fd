// Organizations: a filterable list with status, tier and attributes (GET /admin/orgs).
import { useState } from 'react';
import type { Org } from '../api/types.js';
import { AsyncView } from '../components/async-view.js';
import { Badge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';
import { href, Link } from '../hooks/use-route.js';

export function OrgsPage() {
  const state = useApi<{ orgs: Org[] }>('/admin/orgs');
  const [filter, setFilter] = useState('');
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Organizations</h1>
      <label htmlFor="org-filter">Filter by name, status or label</label>
      <input id="org-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <AsyncView state={state} what="organizations">
        {({ orgs }) => {
          const f = filter.trim().toLowerCase();
          const shown = orgs.filter((o) => !f || [o.name, o.id, o.status, o.tier, ...o.labels].some((s) => s.toLowerCase().includes(f)));
          return (
            <table>
              <caption className="sr-only">{shown.length} organizations</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Attributes</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">
                      <Link href={href('orgs', o.id)}>{o.name}</Link>
                    </th>
                    <td>
                      <Badge value={o.status} />
                    </td>
                    <td>{o.tier}</td>
                    <td>
                      {Object.entries(o.attributes).map(([k, v]) => (
                        <span key={k} className="tag">
                          {k}: {String(v)}
                        </span>
                      ))}
                      {o.labels.map((l) => (
                        <span key={l} className="tag">
                          {l}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={4}>No organization matches.</td>
                  </tr>
                )}
              </tbody>
            </table>
          );
        }}
      </AsyncView>
    </section>
  );
}
