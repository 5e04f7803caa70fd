// @ts-check
// The policy document Moat runs under in the benchmark: the shipped example's clauses, features, denials and
// propagation (so the policy decision does its real work per request), one org `org_bench` in tier `bench`
// with one key, and a generous `limits:` section (7 counters per request, like a real plan) that is
// evaluated on every request but never refuses.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export function benchPolicyYaml(examplePath) {
  const doc = parse(readFileSync(examplePath, 'utf8'));
  doc.tiers = { ...(doc.tiers ?? {}), bench: { description: 'Benchmark tier: limits evaluated, never reached.', limits: {} } };
  doc.orgs = [{ id: 'org_bench', name: 'bench', tier: 'bench', labels: ['bench'] }];
  doc.keys = [{ name: 'bench', org: 'org_bench' }];
  delete doc.admins;
  delete doc.grants;
  delete doc.affiliations;
  doc.limits = {
    tiers: {
      bench: {
        key: {
          requestsPerMinute: 1e9, inputTokensPerMinute: 1e12, outputTokensPerMinute: 1e12, concurrentRequests: 1e6,
          windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 1e12 }],
        },
        org: { requestsPerMinute: 1e9, windows: [{ name: '7d', duration: '7d', tokens: 1e12 }] },
      },
    },
  };
  return stringify(doc);
}
