// Affiliations between orgs (parent, subsidiary, acquirer, reseller, ...). Ownership cycles are refused.
import { DomainError } from '../errors/domain-error.js';
import type { Affiliation, AffiliationRelation } from '../model/org.js';
import { ownershipCycle } from './affiliation-graph.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { getOrg } from './orgs-repo.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { isUniqueViolation } from './sql-errors.js';

interface AffRow {
  org_id: string;
  affiliate_id: string;
  relation: AffiliationRelation;
}

const fromRow = (r: AffRow): Affiliation => ({ orgId: r.org_id, affiliateId: r.affiliate_id, relation: r.relation });

/** All affiliations, or those where `orgId` is on either side. */
export async function listAffiliations(ex: SqlExecutor, orgId?: string): Promise<Affiliation[]> {
  const rows = orgId
    ? await ex.query<AffRow>('SELECT * FROM affiliations WHERE org_id = $1 OR affiliate_id = $1 ORDER BY org_id, affiliate_id, relation', [orgId])
    : await ex.query<AffRow>('SELECT * FROM affiliations ORDER BY org_id, affiliate_id, relation');
  return rows.map(fromRow);
}

export interface AffiliationInput {
  /** Org id or name on each side. */
  org: string;
  affiliate: string;
  relation: AffiliationRelation;
}

export function createAffiliation(driver: SqlDriver, meta: MutationMeta, input: AffiliationInput): Promise<MutationOutcome<Affiliation>> {
  return runMutation(driver, meta, {
    // Touches two orgs: views reload fully.
    kind: 'affiliation',
    action: 'affiliation.create',
    run: async (tx, now) => {
      const org = await getOrg(tx, input.org);
      const aff = await getOrg(tx, input.affiliate);
      const candidate: Affiliation = { orgId: org.id, affiliateId: aff.id, relation: input.relation };
      // Writers are serialised by the change-version lock, so this check cannot race another insert.
      const cycle = ownershipCycle(await listAffiliations(tx), candidate);
      if (cycle) throw new DomainError('conflict', `affiliation would create an ownership cycle: ${cycle.join(' -> ')}`);
      try {
        await tx.query('INSERT INTO affiliations (org_id, affiliate_id, relation, created_at) VALUES ($1, $2, $3, $4)', [org.id, aff.id, input.relation, now.toISOString()]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('conflict', 'this affiliation already exists');
        throw e;
      }
      return { result: candidate, target: `${org.id}:${aff.id}`, data: { ...candidate } };
    },
  });
}

export function deleteAffiliation(driver: SqlDriver, meta: MutationMeta, input: AffiliationInput): Promise<MutationOutcome<Affiliation>> {
  return runMutation(driver, meta, {
    kind: 'affiliation',
    action: 'affiliation.delete',
    run: async (tx) => {
      const org = await getOrg(tx, input.org);
      const aff = await getOrg(tx, input.affiliate);
      const rows = await tx.query<AffRow>('DELETE FROM affiliations WHERE org_id = $1 AND affiliate_id = $2 AND relation = $3 RETURNING *', [org.id, aff.id, input.relation]);
      if (!rows[0]) throw new DomainError('not_found', `no ${input.relation} affiliation between "${input.org}" and "${input.affiliate}"`);
      const removed = fromRow(rows[0]);
      return { result: removed, target: `${org.id}:${aff.id}`, data: { ...removed } };
    },
  });
}
