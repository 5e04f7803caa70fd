// Builds PolicySnapshots from the store: all at once, or by replacing one org's slice of an existing one.
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Affiliation, Grant, Org } from '../model/org.js';
import { listAffiliations } from '../store/affiliations-repo.js';
import { readChangeVersion } from '../store/change-version.js';
import { listGrants } from '../store/grants-repo.js';
import { keyRecords, listKeys } from '../store/keys-repo.js';
import { findOrg, listOrgs } from '../store/orgs-repo.js';
import { loadPolicyRules } from '../store/policy-rules-repo.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Each affiliation is listed under both orgs, so either side finds it. */
function indexAffiliations(affs: readonly Affiliation[]): Map<string, Affiliation[]> {
  const m = new Map<string, Affiliation[]>();
  const push = (k: string, a: Affiliation) => {
    const list = m.get(k);
    if (list) list.push(a);
    else m.set(k, [a]);
  };
  for (const a of affs) {
    push(a.orgId, a);
    push(a.affiliateId, a);
  }
  return m;
}

function freeze(s: PolicySnapshot): PolicySnapshot {
  return Object.freeze(s);
}

/** Everything, read in one transaction so the version matches the data. */
export async function loadFullSnapshot(driver: SqlDriver): Promise<PolicySnapshot> {
  return driver.transaction(async (tx) => {
    // One consistent snapshot of all tables: the version read matches exactly the data read.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const version = await readChangeVersion(tx);
    const [orgs, keys, grants, affs, rules] = [await listOrgs(tx), await listKeys(tx), await listGrants(tx), await listAffiliations(tx), await loadPolicyRules(tx)];
    const keyByHash = new Map<string, ApiKeyRecord>();
    for (const k of keys) for (const r of keyRecords(k)) keyByHash.set(r.hash, r);
    return freeze({
      version,
      keyByHash,
      orgs: new Map(orgs.map((o) => [o.id, o])),
      grantsByOrg: groupBy(grants, (g) => g.orgId),
      affiliationsByOrg: indexAffiliations(affs),
      rules,
    });
  });
}

/** A copy of `base` with one org's row, keys and grants re-read from the store, stamped with `version`. */
export async function reloadOrgSlice(driver: SqlDriver, base: PolicySnapshot, orgId: string, version: number): Promise<PolicySnapshot> {
  const { org, keys, grants } = await driver.transaction(async (tx) => {
    const org: Org | undefined = await findOrg(tx, orgId);
    return { org, keys: org ? await listKeys(tx, org.id) : [], grants: org ? await listGrants(tx, org.id) : ([] as Grant[]) };
  });
  const orgs = new Map(base.orgs);
  if (org) orgs.set(orgId, org);
  else orgs.delete(orgId);
  const keyByHash = new Map<string, ApiKeyRecord>();
  for (const [h, k] of base.keyByHash) if (k.orgId !== orgId) keyByHash.set(h, k);
  for (const k of keys) for (const r of keyRecords(k)) keyByHash.set(r.hash, r);
  const grantsByOrg = new Map(base.grantsByOrg);
  if (grants.length) grantsByOrg.set(orgId, grants);
  else grantsByOrg.delete(orgId);
  return freeze({ ...base, version, orgs, keyByHash, grantsByOrg });
}
