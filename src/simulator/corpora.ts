// Corpus access for the simulator. Legitimate actors draw application traffic from one item split of the app
// corpora (`holdout`: the one item in five no model is trained on); misuse actors draw capability and harmful
// prompts only from the data sets a plan allows — in the evaluation, the fold's held-out sets, which the
// models and fingerprints of that run were built without.
import { isHoldout, itemText, loadCorpus, type CorpusItem } from '../detection/corpus.js';
import { sharedDataDir } from '../detection/data-path.js';

export type Split = 'tune' | 'holdout' | 'all';

export type CapabilityArea = 'coding' | 'math' | 'reasoning' | 'creative' | 'knowledge';
export const CAPABILITY_AREAS: CapabilityArea[] = ['coding', 'math', 'reasoning', 'creative', 'knowledge'];

/** Where each capability area's items come from: [data set, item category filter]. */
const AREA_SOURCES: Record<CapabilityArea, Array<[string, string | undefined]>> = {
  coding: [['humaneval', undefined], ['arena_hard_v2', 'coding'], ['mt_bench', 'coding']],
  math: [['gsm8k_train', undefined], ['arena_hard_v2', 'math'], ['mt_bench', 'math']],
  reasoning: [['bbh', undefined], ['mt_bench', 'reasoning']],
  creative: [['eqbench_creative_writing', undefined], ['arena_hard_v2', 'creative'], ['mt_bench', 'creative']],
  knowledge: [['mt_bench', 'knowledge']],
};

export const HARMFUL_SOURCES = [
  'harmbench',
  'advbench',
  'strongreject',
  'jailbreakbench_behaviors',
  'past_tense_harmful',
  'harmful_questions',
  'donotanswer',
  'xstest',
];

export interface CorpusPlan {
  split: Split;
  /** Data sets misuse actors may draw capability and harmful prompts from; undefined: all of them. */
  misuse?: ReadonlySet<string>;
}

export class Corpora {
  private readonly cache = new Map<string, CorpusItem[]>();
  private readonly pools = new Map<string, string[]>();
  readonly plan: CorpusPlan;

  constructor(
    plan: CorpusPlan | Split,
    readonly dir: string = sharedDataDir(),
  ) {
    this.plan = typeof plan === 'string' ? { split: plan } : plan;
  }

  get split(): Split {
    return this.plan.split;
  }

  /** Items of one data set in this plan's split (all items when the split would leave none). */
  items(name: string): CorpusItem[] {
    let xs = this.cache.get(name);
    if (!xs) {
      const all = loadCorpus(this.dir, name);
      const split = this.plan.split;
      xs = split === 'all' ? all : all.filter((it) => isHoldout(it.id) === (split === 'holdout'));
      if (!xs.length) xs = all;
      this.cache.set(name, xs);
    }
    return xs;
  }

  texts(name: string, filter?: (it: CorpusItem) => boolean): string[] {
    const key = filter ? '' : name;
    const hit = key ? this.pools.get(key) : undefined;
    if (hit) return hit;
    const out = this.items(name)
      .filter((it) => !filter || filter(it))
      .map(itemText)
      .filter((t) => t.length > 0);
    if (key) this.pools.set(key, out);
    return out;
  }

  private allowed(set: string, role: 'misuse' | 'legit'): boolean {
    return role === 'legit' || !this.plan.misuse || this.plan.misuse.has(set);
  }

  /** Capability items of one area (every item of the allowed sets: benchmarks have no app split). */
  capability(area: CapabilityArea, role: 'misuse' | 'legit'): string[] {
    const key = `cap:${area}:${role}`;
    let out = this.pools.get(key);
    if (!out) {
      out = [];
      for (const [set, cat] of AREA_SOURCES[area]) {
        if (!this.allowed(set, role)) continue;
        for (const it of loadCorpusCached(this, set)) if (!cat || it.category === cat) out.push(itemText(it));
      }
      this.pools.set(key, (out = out.filter(Boolean)));
    }
    return out;
  }

  /** Areas with at least `min` items for this role. */
  areas(role: 'misuse' | 'legit', min = 10): CapabilityArea[] {
    return CAPABILITY_AREAS.filter((a) => this.capability(a, role).length >= min);
  }

  /** Harmful requests (safety sets' unsafe items) from the allowed sets. */
  harmful(role: 'misuse' | 'legit'): string[] {
    const key = `harm:${role}`;
    let out = this.pools.get(key);
    if (!out) {
      out = [];
      for (const set of HARMFUL_SOURCES) {
        if (!this.allowed(set, role)) continue;
        for (const it of loadCorpusCached(this, set)) {
          if (set === 'xstest' && it.meta.label !== 'unsafe') continue;
          if (set === 'donotanswer' && it.meta.risk_area === 'human_chatbox') continue;
          const t = itemText(it);
          if (t) out.push(t);
        }
      }
      this.pools.set(key, out);
    }
    return out;
  }

  /** Jailbreak role-play templates (in-the-wild), when the plan allows them. */
  jailbreaks(role: 'misuse' | 'legit'): string[] {
    return this.allowed('inthewild_jailbreaks', role) ? this.texts('inthewild_jailbreaks').filter((t) => t.length < 3000) : [];
  }
}

// Benchmarks and safety sets are used whole (no app split): every item is a possible sweep item.
const whole = new Map<string, CorpusItem[]>();
function loadCorpusCached(c: Corpora, set: string): CorpusItem[] {
  const key = `${c.dir}:${set}`;
  let xs = whole.get(key);
  if (!xs) whole.set(key, (xs = loadCorpus(c.dir, set)));
  return xs;
}
