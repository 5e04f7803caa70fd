// The in-memory view the hot path reads: plain data, rebuilt from the store and kept current by change
// notifications. The hot path never queries the database per request; it only calls `current()`.
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Affiliation, Grant, Org } from '../model/org.js';
import { emptyPolicyRules, type PolicyRules } from '../policy/policy-rules.js';

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

export interface PolicyViewReader {
  current(): PolicySnapshot;
}

export function emptySnapshot(): PolicySnapshot {
  return { version: 0, keyByHash: new Map(), orgs: new Map(), grantsByOrg: new Map(), affiliationsByOrg: new Map(), rules: emptyPolicyRules() };
}
