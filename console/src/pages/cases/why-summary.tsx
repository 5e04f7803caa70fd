// The case in plain language, first thing on the page: who, what was detected, the numbers that crossed
// their thresholds (with what each feature means), what else points the same way, and what is proposed.
import type { CaseDetail, Org } from '../../api/types.js';
import { fmtPct } from '../../components/format.js';
import { kindCounts } from './link-kinds.js';

const LABEL_TEXT: Record<string, string> = {
  benchmarking: 'benchmarking the model',
  distillation: 'distilling the model (harvesting outputs to train another)',
  safety_probing: 'probing the model’s safety behaviour',
  scope_violation: 'using a grant outside its purpose',
  model_extraction: 'extracting the model’s parameters through the API',
};

/** Shares and scores as percentages, counts as counts. */
export const fmtFeature = (name: string, v: number): string => (/(_share|score\.|novelty)/.test(name) && v >= 0 && v <= 1 ? fmtPct(v) : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function WhySummary({ c, orgs, glossary, clause }: { c: CaseDetail; orgs: Map<string, Org>; glossary: Map<string, string>; clause: string }) {
  const who = c.kind === 'cluster' ? `A cluster of ${c.orgIds.length} linked accounts` : (orgs.get(c.orgIds[0] ?? '')?.name ?? c.orgIds[0] ?? 'An organization');
  const what = c.labels.map((l) => LABEL_TEXT[l] ?? l).join(' and ') || 'unusual use';
  const triggered = c.evidence.features.filter((f) => f.exceeded);
  const benches = [...c.evidence.matchedBenchmarks].sort((a, b) => b.matches - a.matches);
  const links = kindCounts(c.evidence.linkedAccounts.map((l) => l.reason));
  const affiliations = c.evidence.linkedAccounts.filter((l) => l.reason.includes('affiliation recorded by the provider'));
  const p = c.proposedAction;
  return (
    <section aria-labelledby="why" className="why">
      <h2 id="why">Why this case</h2>
      <p>
        <strong>{who}</strong> appears to be {what} ({fmtPct(c.confidence)} confidence, {c.detections} detection{c.detections === 1 ? '' : 's'}).
      </p>
      {triggered.length > 0 && (
        <ul>
          {triggered.map((f) => (
            <li key={`${f.rule}/${f.name}`}>
              {glossary.get(f.name) ? <>{capitalise(glossary.get(f.name)!)}</> : <code>{f.name}</code>}: <strong>{fmtFeature(f.name, f.value)}</strong>, where the rule{' '}
              <code>{f.rule}</code> acts at {f.comparison} {fmtFeature(f.name, f.threshold)}.
            </li>
          ))}
        </ul>
      )}
      {benches.length > 0 && (
        <p>
          Its prompts matched items of {benches.length} public benchmark{benches.length === 1 ? '' : 's'}
          {': '}
          {benches.slice(0, 3).map((b) => `${b.benchmark} (${b.matches} prompts)`).join(', ')}
          {benches.length > 3 ? ', …' : ''}.
        </p>
      )}
      {links.length > 0 && <p>Accounts are linked by {links.map((k) => `${k.kind} (${k.accounts} accounts)`).join(', ')}.</p>}
      {affiliations.length > 0 && <p>Provider-recorded affiliations: {affiliations.map((a) => `${a.name} — ${a.reason}`).join('; ')}.</p>}
      <p>
        {p && p.action !== 'none' ? (
          <>
            Proposed: <strong>{p.action}</strong> under {clause}
            {p.requiresApproval ? ', waiting for an admin’s approval' : ', taken automatically'}.
          </>
        ) : (
          'No action is proposed.'
        )}
        {c.actionsTaken.length > 0 && <> Done so far: {c.actionsTaken.map((t) => `${t.action} by ${t.by}`).join('; ')}.</>}
      </p>
    </section>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
