// The policy stories' view of startTestMoat: a story file applied with `moat policy apply` plus one key `e2e`
// per listed org, and SDK clients by org.
import { readFileSync } from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { startTestMoat, TEST_ADMIN_TOKEN, TEST_MODELS, type ApplyResult, type TestMoat } from '../support/start-test-moat.js';

export const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
export const MODELS = TEST_MODELS;

export interface E2eGateway extends Omit<TestMoat, 'openai' | 'anthropic'> {
  /** `moat policy apply` of a story file plus a key `e2e` per listed org. */
  applyStory(storyFile: string, keyOrgs: string[], opts?: { force?: boolean }): Promise<ApplyResult>;
  openai(orgId: string): OpenAI;
  anthropic(orgId: string): Anthropic;
}

export async function startE2eGateway(overrides: Record<string, unknown> = {}): Promise<E2eGateway> {
  const t = await startTestMoat({ config: overrides, name: 'e2e' });
  return {
    ...t,
    applyStory(storyFile, keyOrgs, opts = {}) {
      const keysSection = keyOrgs.length ? `\nkeys:\n${keyOrgs.map((o) => `  - { name: e2e, org: ${o} }`).join('\n')}\n` : '';
      return t.applyPolicy(readFileSync(storyFile, 'utf8') + keysSection, opts);
    },
    openai: (orgId) => t.openai(t.keyOf(orgId, 'e2e')).client,
    anthropic: (orgId) => t.anthropic(t.keyOf(orgId, 'e2e')).client,
  };
}

export { caught } from '../support/caught.js';
