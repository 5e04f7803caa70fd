// Builds the shipped detection data from ../shared/data (or MOAT_SHARED_DATA), deterministically:
//   rules/fingerprints/benchmarks.json  hashed word 5-gram samples of public benchmark and safety items
//   rules/models/categories.json        naive Bayes category model over hashed tokens (training split only)
// Run: npx tsx scripts/build-fingerprints.ts   (outputs are committed; rerun when shared/data changes)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isHoldout, itemText, loadCorpus, type CorpusItem } from '../src/detection/corpus.js';
import { rulesDir, sharedDataDir } from '../src/detection/data-path.js';
import { encodeU32, type FingerprintFile } from '../src/detection/signals/fingerprint-index.js';
import type { CategoryModelFile } from '../src/detection/signals/category-model.js';
import { fnv1a, shingleHashes } from '../src/detection/text/hash.js';
import { tokenHashesOf } from '../src/detection/text/tokenize.js';

const N = 5;
const K = 8;
const BENCHMARKS = ['humaneval', 'gsm8k_train', 'bbh', 'mt_bench', 'xstest', 'arena_hard_v2', 'eqbench_creative_writing'];
const APP_CORPORA = ['banking77', 'snips', 'staqc_sql_questions', 'topical_chat', 'awesome_chatgpt_prompts', 'docs_fastify', 'code_context_fastify'];

const data = sharedDataDir();
const out = rulesDir();

function shinglesOf(text: string): number[] {
  return shingleHashes(tokenHashesOf(text), N);
}

function buildFingerprints(): FingerprintFile {
  const items: Array<{ src: number; sh: number[] }> = [];
  const sources = BENCHMARKS.map((name) => {
    const corpus = loadCorpus(data, name);
    return { name, corpus };
  });
  const df = new Map<number, number>();
  sources.forEach(({ corpus }, si) => {
    for (const it of corpus) {
      const sh = [...new Set(shinglesOf(it.turns[0] ?? ''))];
      for (const h of sh) df.set(h, (df.get(h) ?? 0) + 1);
      items.push({ src: si, sh });
    }
  });
  // N-grams that ordinary application traffic also contains would make legitimate prompts look like items.
  const common = new Set<number>();
  for (const name of APP_CORPORA) {
    for (const it of loadCorpus(data, name)) {
      const texts = it.turns.length ? it.turns : [itemText(it).slice(0, 20000)];
      for (const t of texts) for (const h of shinglesOf(t)) common.add(h);
    }
  }
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
      category: name === 'xstest' ? 'safety' : name === 'bbh' ? 'reasoning' : name === 'gsm8k_train' ? 'math' : mostCommon(corpus),
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

// --- category model -------------------------------------------------------------------------------------
const CLASSES = ['coding', 'math', 'reasoning', 'creative', 'safety', 'support', 'general', 'chat', 'summarization'];
const CAPABILITY = ['coding', 'math', 'reasoning', 'creative', 'safety'];
const PER_CLASS = 2500;
const VOCAB = 24000;
const SCALE = 1000;

function trainingExamples(): Array<{ cls: number; text: string }> {
  const byClass = new Map<number, string[]>();
  const add = (category: string, text: string) => {
    const cls = CLASSES.indexOf(category === 'knowledge' ? 'general' : category);
    if (cls < 0 || !text) return;
    let list = byClass.get(cls);
    if (!list) byClass.set(cls, (list = []));
    list.push(text.slice(0, 3000));
  };
  for (const name of [...BENCHMARKS, ...APP_CORPORA, 'qmsum_meetings']) {
    for (const it of loadCorpus(data, name)) {
      if (isHoldout(it.id)) continue;
      if (name === 'qmsum_meetings') {
        for (const q of (it.meta.queries as string[] | undefined) ?? []) add('summarization', q);
        add('summarization', itemText(it).slice(0, 1500));
      } else if (name === 'topical_chat') {
        add('chat', it.turns.join('\n'));
      } else add(it.category, itemText(it));
    }
  }
  const out: Array<{ cls: number; text: string }> = [];
  for (const [cls, texts] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    // Deterministic subsample so large corpora do not drown small ones.
    const picked = texts
      .map((t) => ({ t, h: fnv1a(t) }))
      .sort((a, b) => a.h - b.h)
      .slice(0, PER_CLASS);
    for (const p of picked) out.push({ cls, text: p.t });
  }
  return out;
}

function buildCategoryModel(): CategoryModelFile {
  const C = CLASSES.length;
  const counts = new Map<number, Float64Array>();
  const totals = new Float64Array(C);
  for (const ex of trainingExamples()) {
    for (const h of tokenHashesOf(ex.text, 400)) {
      let row = counts.get(h);
      if (!row) counts.set(h, (row = new Float64Array(C)));
      row[ex.cls] = row[ex.cls]! + 1;
      totals[ex.cls] = totals[ex.cls]! + 1;
    }
  }
  const vocab = [...counts.entries()]
    .map(([h, row]) => ({ h, n: row.reduce((a, b) => a + b, 0) }))
    .filter((v) => v.n >= 2)
    .sort((a, b) => b.n - a.n || a.h - b.h)
    .slice(0, VOCAB)
    .map((v) => v.h)
    .sort((a, b) => a - b);
  const V = vocab.length;
  const alpha = 0.5;
  const w = Buffer.alloc(V * C * 2);
  vocab.forEach((h, i) => {
    const row = counts.get(h)!;
    for (let c = 0; c < C; c++) {
      const lp = Math.log((row[c]! + alpha) / (totals[c]! + alpha * V));
      w.writeInt16LE(Math.max(-32768, Math.round(lp * SCALE)), (i * C + c) * 2);
    }
  });
  return {
    version: 1,
    classes: CLASSES,
    capability: CAPABILITY,
    vocab: encodeU32(vocab),
    weights: w.toString('base64'),
    unknown: CLASSES.map((_, c) => Math.round(Math.log(alpha / (totals[c]! + alpha * V)) * SCALE)),
    scale: SCALE,
  };
}

mkdirSync(join(out, 'fingerprints'), { recursive: true });
mkdirSync(join(out, 'models'), { recursive: true });
const fp = buildFingerprints();
writeFileSync(join(out, 'fingerprints', 'benchmarks.json'), JSON.stringify(fp) + '\n');
const model = buildCategoryModel();
writeFileSync(join(out, 'models', 'categories.json'), JSON.stringify(model) + '\n');
process.stdout.write(`fingerprints: ${fp.sources.map((s) => `${s.name}=${s.items}`).join(' ')}\n`);
process.stdout.write(`category model: ${model.classes.length} classes\n`);
