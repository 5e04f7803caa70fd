// Known-item fingerprints (src/detection/signals/fingerprint-index.ts): for every item of the public
// benchmarks and safety sets, the k smallest hashes of its word 5-grams after dropping 5-grams shared by more
// than two items or seen in ordinary application traffic. Only hashes are shipped. The evaluation builds its
// own index without the data sets a fold holds out, so its misuse traffic is unknown to the fingerprints.
import { itemText, loadCorpus, type CorpusItem } from '../../detection/corpus.js';
import { encodeU32, type FingerprintFile } from '../../detection/signals/fingerprint-index.js';
import { shingleHashes } from '../../detection/text/hash.js';
import { tokenHashesOf } from '../../detection/text/tokenize.js';

const N = 5;
const K = 8;
export const FINGERPRINTED = [
  'humaneval', 'gsm8k_train', 'bbh', 'mt_bench', 'arena_hard_v2', 'eqbench_creative_writing',
  'xstest', 'harmbench', 'advbench', 'strongreject', 'jailbreakbench_behaviors', 'past_tense_harmful', 'harmful_questions', 'donotanswer',
];
const APP_CORPORA = ['banking77', 'snips', 'staqc_sql_questions', 'topical_chat', 'awesome_chatgpt_prompts', 'docs_fastify', 'code_context_fastify'];
const CATEGORY: Record<string, string> = { bbh: 'reasoning', gsm8k_train: 'math' };

function shinglesOf(text: string): number[] {
  return shingleHashes(tokenHashesOf(text), N);
}

let commonCache: { dir: string; set: Set<number> } | undefined;

/** N-grams that ordinary application traffic also contains would make legitimate prompts look like items. */
function appShingles(dataDir: string): Set<number> {
  if (commonCache?.dir === dataDir) return commonCache.set;
  const common = new Set<number>();
  for (const name of APP_CORPORA) {
    for (const it of loadCorpus(dataDir, name)) {
      const texts = it.turns.length ? it.turns : [itemText(it).slice(0, 20000)];
      for (const t of texts) for (const h of shinglesOf(t)) common.add(h);
    }
  }
  commonCache = { dir: dataDir, set: common };
  return common;
}

export function buildFingerprints(dataDir: string, exclude: ReadonlySet<string> = new Set()): FingerprintFile {
  const sources = FINGERPRINTED.filter((n) => !exclude.has(n)).map((name) => ({ name, corpus: loadCorpus(dataDir, name) }));
  const items: Array<{ src: number; sh: number[] }> = [];
  const df = new Map<number, number>();
  sources.forEach(({ corpus }, si) => {
    for (const it of corpus) {
      const sh = [...new Set(shinglesOf(it.turns[0] ?? ''))];
      for (const h of sh) df.set(h, (df.get(h) ?? 0) + 1);
      items.push({ src: si, sh });
    }
  });
  const common = appShingles(dataDir);
  const itemSource: number[] = [];
  const counts: number[] = [];
  const hashes: number[] = [];
  for (const it of items) {
    const keep = it.sh.filter((h) => (df.get(h) ?? 0) <= 2 && !common.has(h)).sort((a, b) => a - b).slice(0, K);
    itemSource.push(it.src);
    counts.push(keep.length);
    hashes.push(...keep);
  }
  return {
    version: 1,
    n: N,
    k: K,
    sources: sources.map(({ name, corpus }) => ({
      name,
      kind: corpus[0]?.kind ?? 'benchmark',
      category: corpus[0]?.kind === 'safety' ? 'safety' : CATEGORY[name] ?? mostCommon(corpus),
      items: corpus.length,
    })),
    itemSource: Buffer.from(itemSource).toString('base64'),
    counts: Buffer.from(counts).toString('base64'),
    hashes: encodeU32(hashes),
  };
}

function mostCommon(corpus: CorpusItem[]): string {
  const c = new Map<string, number>();
  for (const it of corpus) c.set(it.category, (c.get(it.category) ?? 0) + 1);
  return [...c.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'general';
}
