// Policy: the current document, playbooks and detection rules with their status (GET /admin/policy).
import type { PolicyView } from '../api/types.js';
import { AsyncView } from '../components/async-view.js';
import { Badge } from '../components/status-badge.js';
import { useApi } from '../hooks/use-api.js';

export function PolicyPage() {
  const state = useApi<PolicyView>('/admin/policy', 10000);
  const clauses = useApi<{ clauses: Record<string, string> }>('/admin/clauses', 30000);
  const clauseText = (id: string) => (clauses.kind === 'ok' ? clauses.data.clauses[id] : undefined);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Policy</h1>
      <AsyncView state={state} what="policy">
        {(p) => (
          <>
            <p>Version {p.version}</p>
            <h2>Playbooks</h2>
            {p.playbooks.length === 0 && <p className="muted">The policy has no playbooks section: the shipped default playbook is in force.</p>}
            {p.playbooks.map((pb) => (
              <table key={pb.name}>
                <caption>{pb.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">When</th>
                    <th scope="col">Action</th>
                    <th scope="col">Mode</th>
                    <th scope="col">Clause</th>
                    <th scope="col">Enabled</th>
                  </tr>
                </thead>
                <tbody>
                  {pb.rules.map((r) => (
                    <tr key={r.id}>
                      <th scope="row">{r.id}</th>
                      <td>
                        <code>{r.when}</code>
                      </td>
                      <td>{r.action}</td>
                      <td>{r.mode === 'approval' ? 'needs approval' : 'automatic'}</td>
                      <td>
                        <code>{r.clause}</code> {clauseText(r.clause)}
                      </td>
                      <td>{r.enabled ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
            <h2>Detection rules</h2>
            {p.rules.length === 0 ? <p className="muted">The admin API lists no detection rules.</p> : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Label</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Description</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {p.rules.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.id}</th>
                    <td>{r.label}</td>
                    <td>{r.severity}</td>
                    <td>{r.description}</td>
                    <td>
                      <Badge value={r.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            )}
            <h2>Document</h2>
            <pre className="policy-doc" tabIndex={0} aria-label="Policy document (YAML)">
              {p.document}
            </pre>
          </>
        )}
      </AsyncView>
    </section>
  );
}
