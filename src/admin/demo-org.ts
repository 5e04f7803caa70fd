// The quick start's demo org and key, created idempotently. The store keeps only the key's hash, so the
// secret is kept in `<dataDir>/demo-key` to print it again on every start; a new key is made only when the
// file is missing or its key no longer exists in the store.
import { readSecretFile, writeSecretFile } from '../config/data-dir-secret.js';
import { hashSecret } from '../keys/api-key-format.js';
import type { Org } from '../model/org.js';
import { createKey, findKeyByHash } from '../store/keys-repo.js';
import { createOrg, findOrg } from '../store/orgs-repo.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { Change } from '../changes/change-bus.js';

export interface DemoOrg {
  org: Org;
  apiKey: string;
  /** Changes made (empty when everything already existed); apply them to the view if it is already running. */
  changes: Change[];
}

export async function ensureDemoOrg(driver: SqlDriver, opts: { dataDir: string; orgName?: string; actor?: string }): Promise<DemoOrg> {
  const name = opts.orgName ?? 'demo';
  const meta = { actor: opts.actor ?? 'automation:quickstart' };
  const changes: Change[] = [];
  let org = await findOrg(driver, name);
  if (!org) {
    try {
      const out = await createOrg(driver, meta, { name, labels: ['demo'] });
      org = out.result;
      changes.push(out.change);
    } catch (e) {
      // Another process created it first.
      org = await findOrg(driver, name);
      if (!org) throw e;
    }
  }
  const secret = readSecretFile(opts.dataDir, 'demo-key');
  if (secret) {
    const key = await findKeyByHash(driver, hashSecret(secret));
    if (key && key.orgId === org.id) return { org, apiKey: secret, changes };
  }
  const created = await createKey(driver, meta, { org: org.id, name: 'demo', env: 'demo' });
  changes.push(created.change);
  writeSecretFile(opts.dataDir, 'demo-key', created.result.secret);
  return { org, apiKey: created.result.secret, changes };
}
