// Evidence as the enforcement module records it (src/enforcement/case-evidence.ts): feature values against
// the firing rules' thresholds, public benchmarks the org's prompts matched (with how many prompts),
// sample requests (redacted by the server), each score's signal contributions, and linked accounts with the
// link that brought each into the cluster.
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
          <ScoreContributions scores={ev.scores ?? []} />
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
      <LinkedAccounts accounts={ev.linkedAccounts} />
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

/** What each signal added to a score (logit units): why the score is high. */
function ScoreContributions({ scores }: { scores: NonNullable<CaseDetail['evidence']['scores']> }) {
  if (scores.length === 0) return null;
  return (
    <>
      {scores.map((s) => (
        <div key={s.name} className="score-contributions">
          <h3>
            <code>{s.name}</code> = {round(s.value)} <span className="muted">({s.rule})</span>
          </h3>
          <table aria-label={`What each signal added to ${s.name}`}>
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Value</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {s.contributions.map((c) => (
                <tr key={c.feature}>
                  <th scope="row">{c.feature}</th>
                  <td>{c.value === null ? '—' : round(c.value)}</td>
                  <td className={c.contribution > 0 ? 'exceeded' : undefined}>
                    {c.contribution > 0 ? '+' : ''}
                    {round(c.contribution)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}

/** A cluster's members, each with the link that brought it in; long lists are folded. */
function LinkedAccounts({ accounts }: { accounts: CaseDetail['evidence']['linkedAccounts'] }) {
  if (accounts.length === 0)
    return (
      <>
        <h3>Linked accounts</h3>
        <p className="muted">None.</p>
      </>
    );
  const shown = accounts.slice(0, 12);
  const rest = accounts.slice(12);
  const row = (l: (typeof accounts)[number]) => (
    <tr key={l.orgId}>
      <th scope="row">
        <Link href={href('orgs', l.orgId)}>{l.name}</Link>
      </th>
      <td>{l.linkedTo ? <Link href={href('orgs', l.linkedTo)}>{accounts.find((a) => a.orgId === l.linkedTo)?.name ?? l.linkedTo}</Link> : <span className="muted">—</span>}</td>
      <td>{l.strength === undefined ? '' : round(l.strength)}</td>
      <td className="reason">{l.reason}</td>
    </tr>
  );
  const head = (
    <thead>
      <tr>
        <th scope="col">Account</th>
        <th scope="col">Linked to</th>
        <th scope="col">Strength (nats)</th>
        <th scope="col">Why</th>
      </tr>
    </thead>
  );
  return (
    <section aria-labelledby="linked-accounts">
      <h3 id="linked-accounts">Linked accounts ({accounts.length})</h3>
      <table className="linked-accounts">
        {head}
        <tbody>{shown.map(row)}</tbody>
      </table>
      {rest.length > 0 && (
        <details>
          <summary>{rest.length} more linked accounts</summary>
          <table className="linked-accounts">
            {head}
            <tbody>{rest.map(row)}</tbody>
          </table>
        </details>
      )}
    </section>
  );
}
