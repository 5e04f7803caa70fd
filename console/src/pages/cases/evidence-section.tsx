// Evidence as the enforcement module records it (src/enforcement/case-evidence.ts): feature values against
// the firing rules' thresholds, public benchmarks the org's prompts matched (with how many prompts),
// sample requests (redacted by the server), and linked accounts with the reason they are linked.
import type { CaseDetail } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';
import { href, Link } from '../../hooks/use-route.js';

export function EvidenceSection({ evidence: ev }: { evidence: CaseDetail['evidence'] }) {
  return (
    <section aria-labelledby="evidence">
      <h2 id="evidence">Evidence</h2>
      <div className="grid-2">
        <div>
          <h3>Features against thresholds</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Rule</th>
                <th scope="col">Value</th>
                <th scope="col">Threshold</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {ev.features.map((f) => (
                <tr key={`${f.rule ?? ''}/${f.name}/${f.comparison}`} className={f.exceeded ? 'exceeded' : undefined}>
                  <th scope="row">{f.name}</th>
                  <td>
                    <code>{f.rule || '—'}</code>
                  </td>
                  <td>{round(f.value)}</td>
                  <td>
                    {f.comparison} {round(f.threshold)}
                  </td>
                  <td>{f.exceeded ? 'triggered' : 'below'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Linked accounts</h3>
          {ev.linkedAccounts.length === 0 ? <p className="muted">None.</p> : (
            <ul>
              {ev.linkedAccounts.map((l) => (
                <li key={l.orgId}>
                  <Link href={href('orgs', l.orgId)}>{l.name}</Link>: {l.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Matched public benchmarks</h3>
          {ev.matchedBenchmarks.length === 0 ? <p className="muted">None.</p> : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Benchmark</th>
                  <th scope="col">Matching prompts</th>
                </tr>
              </thead>
              <tbody>
                {[...ev.matchedBenchmarks].sort((a, b) => b.matches - a.matches).map((m) => (
                  <tr key={m.benchmark}>
                    <th scope="row">{m.benchmark}</th>
                    <td>{m.matches}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <h3>Sample requests</h3>
      {ev.sampleRequests.length === 0 ? <p className="muted">None.</p> : (
        <table className="samples">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Key</th>
              <th scope="col">Endpoint / model</th>
              <th scope="col">Excerpt</th>
            </tr>
          </thead>
          <tbody>
            {ev.sampleRequests.map((s, i) => (
              <tr key={i}>
                <td>{fmtTime(s.at)}</td>
                <td>{s.keyPrefix ? <code>{s.keyPrefix}…</code> : <span className="muted">—</span>}</td>
                <td>
                  {s.endpoint ? (
                    <>
                      {s.endpoint} <code>{s.model}</code>
                    </>
                  ) : (
                    <span className="muted">prompt kept by the detector</span>
                  )}
                </td>
                <td className="excerpt">{s.excerpt}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3));
