// The in-memory view the hot path reads: plain data, rebuilt from the store and kept current by change
// notifications. The hot path never queries the database per request; it only calls `current()`.
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Affiliation, Grant, Org } from '../model/org.js';
import { emptyPolicyRules, type PolicyRules } from './policy-rules.js';

export interface PolicySnapshot {
  /** The store's change version this snapshot reflects. */
  version: number;
  /** API keys by sha256 hash of the secret. */
  keyByHash: ReadonlyMap<string, ApiKeyRecord>;
  orgs: ReadonlyMap<string, Org>;
  grantsByOrg: ReadonlyMap<string, readonly Grant[]>;
  affiliationsByOrg: ReadonlyMap<string, readonly Affiliation[]>;
  /** Features, denials, tiers, clauses, playbooks: the policy document. */
  rules: PolicyRules;
}

/** How sure a view is that it is current: what the hot path needs to bound its staleness. */
export interface ViewFreshness {
  /** When (the view's own wall clock, epoch ms) the view was last confirmed current against the store. */
  confirmedAt: number;
  /** Time since then, on the view's own clock (real time, whatever clock the gateway's limits run on). */
  ageMs(): number;
  /** Orgs named by a change this view heard about but could not load (and whose state it did not carry). */
  unconfirmedOrgs: ReadonlySet<string>;
  /** A change not scoped to one org (policy, affiliations, apply) was heard about but could not be loaded. */
  unconfirmedAll: boolean;
  /** Why the last confirmation failed, while it fails. */
  lastError?: string;
}

export interface PolicyViewReader {
  current(): PolicySnapshot;
  /** Present on views that confirm themselves against a store (the policy view); absent on fixed test views. */
  freshness?(): ViewFreshness;
}

export function emptySnapshot(): PolicySnapshot {
  return { version: 0, keyByHash: new Map(), orgs: new Map(), grantsByOrg: new Map(), affiliationsByOrg: new Map(), rules: emptyPolicyRules() };
}
