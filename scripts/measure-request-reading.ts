// npx tsx scripts/measure-request-reading.ts — CPU cost of reading one request body on the hot path, for the
// choice between refusing duplicate keys and forwarding a canonical re-serialisation (docs/decisions/0006-refuse-duplicate-json-keys.md),
// and for the cost of the shape checks (docs/security.md). Microseconds per body, median of 7 rounds.
//   JSON.parse only                the floor: what the gateway did before
//   + structure scan               depth limit and duplicate keys (parse-json-body.ts)
//   + shape check                  zod per API (request-schema.ts)
//   + facts                        extract-facts.ts
//   re-serialise instead           JSON.stringify of the parsed body (the alternative to refusing duplicates)
import { performance } from 'node:perf_hooks';
import { extractFacts } from '../src/gateway/extract-facts.js';
import { parseJsonBody } from '../src/gateway/parse-json-body.js';
import { checkRequestShape } from '../src/gateway/request-schema.js';

const tool = (i: number) => ({ type: 'function', function: { name: `tool_${i}`, description: 'Looks things up in the catalogue.', parameters: { type: 'object', properties: { q: { type: 'string' }, n: { type: 'integer' } }, required: ['q'] } } });
const turn = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `Message ${i}: ${'lorem ipsum dolor sit amet '.repeat(6)}` });

const BODIES: Array<[string, Record<string, unknown>]> = [
  ['chat, 1 turn (~0.1 KB)', { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of France?' }] }],
  ['chat, 10 turns + 4 tools (~3 KB)', { model: 'gpt-4o', messages: Array.from({ length: 10 }, (_, i) => turn(i)), tools: Array.from({ length: 4 }, (_, i) => tool(i)), temperature: 0.2 }],
  ['agent, 100 turns + 20 tools (~30 KB)', { model: 'gpt-4o', messages: Array.from({ length: 100 }, (_, i) => turn(i)), tools: Array.from({ length: 20 }, (_, i) => tool(i)), stream: true }],
  ['long document, 1 turn (~1 MB)', { model: 'gpt-4o', messages: [{ role: 'user', content: 'Summarise: ' + 'The quick brown fox jumps over the lazy dog. '.repeat(23_000) }] }],
];

function perBody(fn: () => void, minMs = 300): number {
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs / 7) {
      fn();
      n++;
      if (n % 16 === 0) t = performance.now();
    }
    t = performance.now();
    rounds.push(((t - t0) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3] as number;
}

const fmt = (us: number) => (us < 10 ? us.toFixed(2) : us < 100 ? us.toFixed(1) : us.toFixed(0));
console.log('| body | bytes | JSON.parse | + structure scan | + shape check | + facts | re-serialise instead (JSON.stringify) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [name, body] of BODIES) {
  const raw = Buffer.from(JSON.stringify(body));
  const text = raw.toString('utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const parseOnly = perBody(() => JSON.parse(raw.toString('utf8')));
  const scanned = perBody(() => parseJsonBody(raw, { maxDepth: 64 }));
  const shaped = perBody(() => checkRequestShape('chat', parseJsonBody(raw, { maxDepth: 64 })));
  const facts = perBody(() => {
    const b = parseJsonBody(raw, { maxDepth: 64 });
    checkRequestShape('chat', b);
    extractFacts({ api: 'openai', endpoint: '/v1/chat/completions', body: b, headers: {}, orgId: 'o', keyId: 'k', ip: '127.0.0.1', now: 0 });
  });
  const reserialise = perBody(() => JSON.stringify(parsed));
  console.log(`| ${name} | ${raw.length.toLocaleString('en')} | ${fmt(parseOnly)} | ${fmt(scanned)} | ${fmt(shaped)} | ${fmt(facts)} | ${fmt(reserialise)} |`);
}
