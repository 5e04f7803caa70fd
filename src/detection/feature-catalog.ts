// The named features rules may read. Names are resolved once when rules load:
//   w.<f>                  the org's sliding window of its last 200 requests (OrgWindow.FEATURES)
//   total.<f>              the org's cumulative counters (Totals.FEATURES)
//   purpose.<p>.<f>        the org's last 50 requests sent with `moat-purpose: <p>` (PurposeWindow.FEATURES)
//   cluster.orgs|<f>       the org's linked cluster, combined traffic (Totals.FEATURES); undefined when unlinked
//   org.requests | org.known | org.competitor | org.grant.<purpose> | org.attr.<name>
import type { Cluster } from './linkage.js';
import type { OrgRecord } from './org-record.js';
import { OrgWindow } from './org-window.js';
import { PurposeWindow, Totals } from './purpose-window.js';
import type { Getter } from './rules/condition.js';

export interface FeatureContext {
  org: OrgRecord;
  cluster: Cluster | undefined;
  capability: ReadonlySet<number>;
}

const WINDOW = new Set<string>(OrgWindow.FEATURES);
const PURPOSE = new Set<string>(PurposeWindow.FEATURES);
const TOTALS = new Set<string>(Totals.FEATURES);

export function resolveFeature(name: string): Getter<FeatureContext> | undefined {
  const parts = name.split('.');
  const [scope, a, b] = parts;
  if (scope === 'w' && parts.length === 2 && WINDOW.has(a!)) return (ctx) => ctx.org.window.feature(a!, ctx.capability);
  if (scope === 'total' && parts.length === 2 && TOTALS.has(a!)) return (ctx) => ctx.org.totals.feature(a!);
  if (scope === 'purpose' && parts.length === 3 && PURPOSE.has(b!))
    return (ctx) => ctx.org.purposes.get(a!)?.feature(b!) ?? (b === 'requests' ? 0 : undefined);
  if (scope === 'cluster' && parts.length === 2) {
    if (a === 'orgs') return (ctx) => ctx.cluster?.members.length ?? 1;
    if (TOTALS.has(a!)) return (ctx) => ctx.cluster?.totals.feature(a!);
  }
  if (scope === 'org') {
    if (parts.length === 2 && a === 'requests') return (ctx) => ctx.org.requests;
    if (parts.length === 2 && a === 'known') return (ctx) => ctx.org.facts.known;
    if (parts.length === 2 && a === 'competitor') return (ctx) => ctx.org.facts.attributes.competitor === true;
    if (parts.length === 3 && a === 'grant') return (ctx) => ctx.org.facts.grants.has(b!);
    if (parts.length === 3 && a === 'attr') return (ctx) => ctx.org.facts.attributes[b!];
  }
  return undefined;
}
