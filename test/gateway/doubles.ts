// Test doubles for the policy and limits seams (the real ones live in src/policy and src/limits).
import type { Decision } from '../../src/policy/decision.js';
import type { Limiter, LimitTicket, Usage } from '../../src/limits/limiter.js';
import type { PolicySnapshot, PolicyViewReader } from '../../src/policy/policy-snapshot.js';
import { emptySnapshot } from '../../src/policy/policy-snapshot.js';
import { generateApiKey } from '../../src/keys/api-key-format.js';
import type { ApiKeyRecord } from '../../src/model/api-key.js';
import type { Org } from '../../src/model/org.js';

export const allowAllDecision = (): Decision => ({ allow: true, tags: [], features: [] });

/** A limiter that admits everything and records how each ticket was settled. */
export function unlimitedLimiter(): Limiter & { settled: Array<Usage | undefined> } {
  const settled: Array<Usage | undefined> = [];
  return {
    settled,
    async admit() {
      let done = false;
      const ticket: LimitTicket = {
        headers: {},
        async settle(u) {
          if (done) return;
          done = true;
          settled.push(u);
        },
      };
      return { ok: true, ticket };
    },
    async close() {},
  };
}

const T0 = '2025-01-01T00:00:00.000Z';

export function makeOrg(id: string, over: Partial<Org> = {}): Org {
  return { id, name: id, status: 'active', attributes: {}, labels: [], tier: 'default', createdAt: T0, updatedAt: T0, ...over };
}

/** A mutable in-memory view with one org and helpers to add keys (returns secrets). */
export class TestView implements PolicyViewReader {
  snapshot: PolicySnapshot = emptySnapshot();
  private keys = new Map<string, ApiKeyRecord>();
  private orgs = new Map<string, Org>();

  addOrg(org: Org): void {
    this.orgs.set(org.id, org);
    this.rebuild();
  }

  addKey(orgId: string, over: Partial<ApiKeyRecord> = {}, env = 'test'): { secret: string; record: ApiKeyRecord } {
    const k = generateApiKey(env);
    const record: ApiKeyRecord = { id: `key_${this.keys.size + 1}`, orgId, name: 'k', prefix: k.prefix, hash: k.hash, status: 'active', createdAt: T0, updatedAt: T0, ...over };
    this.keys.set(record.hash, record);
    this.rebuild();
    return { secret: k.secret, record };
  }

  current(): PolicySnapshot {
    return this.snapshot;
  }

  private rebuild(): void {
    this.snapshot = { ...this.snapshot, version: this.snapshot.version + 1, keyByHash: new Map(this.keys), orgs: new Map(this.orgs) };
  }
}
