import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoUpstream } from '../../src/demo-upstream/demo-upstream.js';

test('the demo upstream answers at the length a test sets, within max_tokens, and echoes alone by default', async () => {
  const demo = await startDemoUpstream({ models: ['demo-gpt'] });
  try {
    const ask = async (max: number) => {
      const res = await fetch(`${demo.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo-gpt', max_tokens: max, messages: [{ role: 'user', content: 'Explain recursion.' }] }),
      });
      const j = (await res.json()) as { usage: { completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number } }; choices: Array<{ finish_reason: string }> };
      // As OpenAI reports it: the output's breakdown, so a reasoning request's visible answer has a known length.
      assert.equal(j.usage.completion_tokens_details?.reasoning_tokens, 0);
      return { tokens: j.usage.completion_tokens, finish: j.choices[0]!.finish_reason };
    };
    const echo = await ask(4096);
    assert.ok(echo.tokens < 20, `the echo alone: ${echo.tokens} tokens`);
    demo.setBehavior({ replyWords: 1200 });
    assert.deepEqual(await ask(4096), { tokens: 1200, finish: 'stop' });
    assert.deepEqual(await ask(500), { tokens: 500, finish: 'length' }, 'max_tokens still caps the answer');
  } finally {
    await demo.close();
  }
});
