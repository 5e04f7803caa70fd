// The limits tests' view of startTestMoat: a clock the test moves, a `limits:` section applied with
// `moat policy apply` (orgs in tier `free`, one key `e2e` each), and SDK clients by org that count requests.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { OffsetClock, startTestMoat, TEST_ADMIN_TOKEN, type SdkClient, type TestMoat } from '../support/start-test-moat.js';

export { OffsetClock };
export const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
export const OPENAI_MODEL = 'gpt-4o';
export const ANTHROPIC_MODEL = 'claude-sonnet-4';

export interface LimitsGateway extends Omit<TestMoat, 'openai' | 'anthropic' | 'keyOf' | 'clock'> {
  clock: OffsetClock;
  /** Applies a policy (orgs in tier `free`, one key `e2e` per org, the `limits:` section) with `moat policy apply`. */
  apply(limits: Record<string, unknown>, orgs: string[], extra?: Record<string, unknown>): Promise<void>;
  keyOf(org: string): string;
  openai(org: string, opts?: { maxRetries?: number }): SdkClient<OpenAI>;
  anthropic(org: string, opts?: { maxRetries?: number }): SdkClient<Anthropic>;
}

export async function startLimitsGateway(overrides: Record<string, unknown> = {}): Promise<LimitsGateway> {
  const clock = new OffsetClock();
  const t = await startTestMoat({ config: overrides, clock, models: [OPENAI_MODEL, ANTHROPIC_MODEL], name: 'limits-e2e' });
  return {
    ...t,
    clock,
    async apply(limits, orgs, extra = {}) {
      const doc = { tiers: { free: {} }, limits, orgs: orgs.map((id) => ({ id, name: id, tier: 'free' })), keys: orgs.map((org) => ({ name: 'e2e', org })), ...extra };
      const r = await t.applyPolicy(doc, { force: true });
      if (r.code !== 0) throw new Error(`moat policy apply failed (${r.code}): ${r.stderr}${r.stdout}`);
    },
    // Limits tests read refusals (404, 429) as answers, so the admin API never throws here.
    admin: (method, path, body, opts) => t.admin(method, path, body, { allowError: true, ...opts }),
    keyOf: (org) => t.keyOf(org, 'e2e'),
    openai: (org, opts) => t.openai(t.keyOf(org, 'e2e'), opts),
    anthropic: (org, opts) => t.anthropic(t.keyOf(org, 'e2e'), opts),
  };
}

export { caught } from '../support/caught.js';

/** Polls `fn` until it returns a defined value (settles happen after the response ends). */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
