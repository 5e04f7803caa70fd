// The case's timeline, collapsed: runs of the same step by the same actor (a cluster's dozens of detections)
// become one line with a count, and only the latest steps are open; the rest is one click away.
import type { CaseDetail, Org } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';
import { nameIds } from '../../components/name-ids.js';

type Step = CaseDetail['timeline'][number];
const SHOWN = 6;

export function groupSteps(steps: Step[]): Step[][] {
  const groups: Step[][] = [];
  for (const s of steps) {
    const last = groups.at(-1);
    if (last && last[0]!.kind === s.kind && last[0]!.actor === s.actor && s.kind !== 'approved' && s.kind !== 'note') last.push(s);
    else groups.push([s]);
  }
  return groups;
}

function Group({ g, orgs }: { g: Step[]; orgs: Map<string, Org> }) {
  const first = g[0]!;
  if (g.length === 1)
    return (
      <li>
        <time dateTime={first.at}>{fmtTime(first.at)}</time> <strong>{first.kind}</strong> by {first.actor}: {nameIds(first.text, orgs)}
      </li>
    );
  const last = g.at(-1)!;
  return (
    <li>
      <details>
        <summary>
          <strong>
            {first.kind} ×{g.length}
          </strong>{' '}
          by {first.actor}, <time dateTime={first.at}>{fmtTime(first.at)}</time> – <time dateTime={last.at}>{fmtTime(last.at)}</time>
        </summary>
        <ol>
          {g.map((s, i) => (
            <li key={i}>
              <time dateTime={s.at}>{fmtTime(s.at)}</time> {nameIds(s.text, orgs)}
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}

export function CaseTimeline({ timeline, orgs }: { timeline: Step[]; orgs: Map<string, Org> }) {
  const groups = groupSteps(timeline);
  const older = groups.slice(0, Math.max(0, groups.length - SHOWN));
  const recent = groups.slice(older.length);
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      {older.length > 0 && (
        <details className="older-steps">
          <summary>
            {older.reduce((n, g) => n + g.length, 0)} earlier steps
          </summary>
          <ol className="timeline">
            {older.map((g, i) => (
              <Group key={i} g={g} orgs={orgs} />
            ))}
          </ol>
        </details>
      )}
      <ol className="timeline">
        {recent.map((g, i) => (
          <Group key={i} g={g} orgs={orgs} />
        ))}
      </ol>
    </section>
  );
}
