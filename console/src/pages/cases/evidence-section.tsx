// Evidence as the enforcement module records it (src/enforcement/case-evidence.ts): feature values against
// the firing rules' thresholds, public benchmarks the org's prompts matched (with how many prompts),
// sample requests (redacted by the server), each score's signal contributions, and linked accounts with the
// link that brought each into the cluster.
import type { CaseDetail, Org } from '../../api/types.js';
import { ExpandableText } from '../../components/expandable-text.js';
import { fmtTime } from '../../components/format.js';
import { MembersTable } from './members-table.js';

export function EvidenceSection({ evidence: ev, glossary, orgs, requests }: { evidence: CaseDetail['evidence']; glossary: Map<string, string>; orgs: Map<string, Org>; requests: Map<string, number> }) {
  return (
    <section aria-labelledby="evidence">
      <h2 id="evidence">Evidence</h2>
      <div className="grid-2">
        <div>
          <h3>Features against thresholds</h3>
          <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Meaning</th>
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
                  <td className="meaning">{glossary.get(f.name) ?? ''}</td>
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
          </div>
          <ScoreContributions scores={ev.scores ?? []} glossary={glossary} />
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
      <MembersTable accounts={ev.linkedAccounts} orgs={orgs} requests={requests} />
      <h3>Sample requests</h3>
      {ev.sampleRequests.length === 0 ? <p className="muted">None.</p> : (
        <div className="table-scroll">
        <table className="samples">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Key</th>
              <th scope="col">Endpoint / model</th>
              <th scope="col">Excerpt</th>
              <th scope="col">Matched</th>
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
                <td className="excerpt">
                  <ExpandableText text={s.excerpt} />
                </td>
                <td className="matched">
                  <SampleMatch rule={s.rule} matched={s.matched} glossary={glossary} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}

/**
 * Which rule kept a sample and what the request showed that the rule reads: window features (with their
 * meaning on hover and in words), the public benchmark it matched, its harm category, and whether it was sent
 * disguised (its sample is then the text as it reads).
 */
function SampleMatch({ rule, matched, glossary }: { rule: string | undefined; matched: string[] | undefined; glossary: Map<string, string> }) {
  if (!rule && !matched) return <span className="muted">—</span>;
  const words = (m: string) => {
    if (m.startsWith('benchmark:')) return `an item of the public benchmark ${m.slice('benchmark:'.length)}`;
    if (m.startsWith('harm:')) return `harm category ${m.slice('harm:'.length).replace(/_/g, ' ')}`;
    if (m === 'obfuscated') return 'sent disguised (an encoding, a cipher or look-alike characters); shown as it reads';
    // The glossary describes the window's share ("share of one-shot requests, over the org's last 200
    // requests…"); of one request, what it was is the middle of that sentence.
    const meaning = glossary.get(m);
    return meaning ? meaning.replace(/^share (of )?/, '').replace(/, over the org.s last .*$/, '') : m;
  };
  return (
    <>
      {rule && (
        <div>
          rule <code>{rule}</code>
        </div>
      )}
      {matched && matched.length === 0 && <span className="muted">nothing the rule reads on its own (kept as context)</span>}
      {matched && matched.length > 0 && (
        <ul className="plain">
          {matched.map((m) => (
            <li key={m} title={words(m)}>
              <code>{m}</code> <span className="muted small">{words(m) === m ? '' : words(m)}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3));

/** What each signal added to a score (logit units): why the score is high. */
function ScoreContributions({ scores, glossary }: { scores: NonNullable<CaseDetail['evidence']['scores']>; glossary: Map<string, string> }) {
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
                  <th scope="row" title={glossary.get(c.feature)}>
                    {c.feature}
                  </th>
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
