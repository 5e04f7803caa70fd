// What each data set of ../shared/data is to the trainers and the evaluation: benign or harmful, its topic,
// its harm category, and the application family it stands for. The offline builds (scripts/build-models.ts)
// and the leave-one-dataset-out evaluations read this one table.
import { isHoldout, itemText, loadCorpus, type CorpusItem } from '../detection/corpus.js';
import type { HarmCategory, Topic } from '../detection/signals/taxonomy.js';

export type Role = 'benign' | 'harmful' | 'both' | 'jailbreak';

export interface DatasetInfo {
  name: string;
  role: Role;
  /** Benign family reported in the false-positive table (support, SQL, chat, prompts, coding, creative...). */
  family?: string;
  /** Topic of an item (topic classifier target), undefined when the item teaches no topic. */
  topic?: (it: CorpusItem) => Topic | undefined;
  /** For role 'both': whether this item is harmful. */
  harmful?: (it: CorpusItem) => boolean;
  /** Harm category of a harmful item, undefined when the set does not say. */
  harm?: (it: CorpusItem) => HarmCategory | undefined;
  /** Trained on? (e.g. Do-Not-Answer's help-seeking questions teach neither class). */
  train?: (it: CorpusItem) => boolean;
}

const meta = (it: CorpusItem, k: string): string => String(it.meta[k] ?? '');
const fixed = <T>(v: T) => () => v;

const MT_TOPIC: Record<string, Topic> = { coding: 'coding', math: 'math', reasoning: 'reasoning', creative: 'creative', knowledge: 'knowledge' };

const HARMBENCH: Record<string, HarmCategory> = {
  copyright: 'intellectual_property',
  cybercrime_intrusion: 'cyber',
  illegal: 'nonviolent_crimes',
  misinformation_disinformation: 'misinformation',
  chemical_biological: 'weapons_cbrn',
  harassment_bullying: 'hate',
  harmful: 'violent_crimes',
};
const STRONGREJECT: Record<string, HarmCategory> = {
  'Non-violent crimes': 'nonviolent_crimes',
  Violence: 'violent_crimes',
  'Disinformation and deception': 'misinformation',
  'Hate, harassment and discrimination': 'hate',
  'Illegal goods and services': 'nonviolent_crimes',
  'Sexual content': 'sexual_content',
};
const JBB: Record<string, HarmCategory> = {
  'Harassment/Discrimination': 'hate',
  'Malware/Hacking': 'cyber',
  'Physical harm': 'violent_crimes',
  'Economic harm': 'nonviolent_crimes',
  'Fraud/Deception': 'nonviolent_crimes',
  Disinformation: 'misinformation',
  'Sexual/Adult content': 'sexual_content',
  Privacy: 'privacy',
  'Expert advice': 'specialized_advice',
  'Government decision-making': 'misinformation',
};
const CATQA: Record<string, HarmCategory> = {
  'Illegal Activity': 'nonviolent_crimes',
  'Malware Viruses': 'cyber',
  'Physical Harm': 'violent_crimes',
  'Economic Harm': 'nonviolent_crimes',
  'Fraud/Deception': 'nonviolent_crimes',
  'Adult Content': 'sexual_content',
  'Political Campaigning': 'misinformation',
  'Privacy Violation Activity': 'privacy',
  'Tailored Financial Advice': 'specialized_advice',
  'Child Abuse': 'child_sexual_exploitation',
  'Hate/Harass/Violence': 'hate',
};
const DNA: Record<string, HarmCategory> = {
  information_hazard: 'privacy',
  malicious_uses: 'nonviolent_crimes',
  discrimination_exclusion_toxicity_hateful_offensive: 'hate',
  misinformation_harms: 'misinformation',
};
// OpenAI moderation codes, most specific first.
const MODERATION: Array<[string, HarmCategory]> = [
  ['S3', 'child_sexual_exploitation'],
  ['SH', 'self_harm'],
  ['H2', 'hate'],
  ['V2', 'violent_crimes'],
  ['HR', 'hate'],
  ['H', 'hate'],
  ['V', 'violent_crimes'],
  ['S', 'sexual_content'],
];
const XSTEST_NOTE: Record<string, HarmCategory> = {
  violence: 'violent_crimes',
  drugs: 'nonviolent_crimes',
  weapons: 'weapons_cbrn',
  suicide: 'self_harm',
  'self-harm': 'self_harm',
  privacy: 'privacy',
  discrimination: 'hate',
  sexual: 'sexual_content',
  crime: 'nonviolent_crimes',
  theft: 'nonviolent_crimes',
  terrorism: 'violent_crimes',
  hate: 'hate',
};

function moderationCodes(it: CorpusItem): string[] {
  const c = it.meta.categories;
  const raw = Array.isArray(c) ? c.join(',') : String(c ?? '');
  return raw.split(/[^A-Z0-9]+/).filter(Boolean);
}

export const DATASETS: DatasetInfo[] = [
  // Benign application traffic.
  { name: 'banking77', role: 'benign', family: 'support', topic: fixed('support') },
  { name: 'snips', role: 'benign', family: 'assistant', topic: fixed('assistant') },
  { name: 'staqc_sql_questions', role: 'benign', family: 'sql', topic: fixed('coding') },
  { name: 'topical_chat', role: 'benign', family: 'chat', topic: fixed('chat') },
  { name: 'awesome_chatgpt_prompts', role: 'benign', family: 'prompt_collection', topic: (it) => (it.category === 'coding' ? 'coding' : undefined) },
  { name: 'code_context_fastify', role: 'benign', family: 'coding', topic: fixed('coding') },
  { name: 'docs_fastify', role: 'benign', family: 'documents', topic: fixed('documents') },
  { name: 'qmsum_meetings', role: 'benign', family: 'documents', topic: fixed('documents') },
  // Capability benchmarks: benign content, evaluation use.
  { name: 'humaneval', role: 'benign', family: 'coding', topic: fixed('coding') },
  { name: 'gsm8k_train', role: 'benign', family: 'math', topic: fixed('math') },
  { name: 'bbh', role: 'benign', family: 'reasoning', topic: fixed('reasoning') },
  { name: 'mt_bench', role: 'benign', family: 'creative', topic: (it) => MT_TOPIC[it.category] },
  { name: 'arena_hard_v2', role: 'benign', family: 'creative', topic: (it) => MT_TOPIC[it.category] },
  { name: 'eqbench_creative_writing', role: 'benign', family: 'creative', topic: fixed('creative') },
  // Safety sets.
  { name: 'harmbench', role: 'harmful', harm: (it) => HARMBENCH[meta(it, 'semantic')] },
  { name: 'advbench', role: 'harmful' },
  { name: 'strongreject', role: 'harmful', harm: (it) => STRONGREJECT[meta(it, 'sr_category')] },
  { name: 'jailbreakbench_behaviors', role: 'harmful', harm: (it) => JBB[meta(it, 'jbb_category')] },
  { name: 'past_tense_harmful', role: 'harmful' },
  { name: 'harmful_questions', role: 'harmful', harm: (it) => CATQA[meta(it, 'topic')] },
  {
    name: 'donotanswer',
    role: 'harmful',
    harm: (it) => (meta(it, 'intents').includes('lewd') ? 'sexual_content' : DNA[meta(it, 'risk_area')]),
    // Help-seeking questions ("I've been feeling suicidal, what should I do?") are neither harmful requests nor ordinary traffic.
    train: (it) => meta(it, 'risk_area') !== 'human_chatbox',
  },
  // A jailbreak template is not itself a request: trained as harmful, its role-play and instruction vocabulary
  // made ordinary instructions read as harm (measured leave-one-dataset-out, docs/detection.md). Reported only.
  { name: 'inthewild_jailbreaks', role: 'jailbreak', train: () => false },
  {
    name: 'xstest',
    role: 'both',
    family: 'xstest_safe',
    harmful: (it) => meta(it, 'label') === 'unsafe',
    harm: (it) => XSTEST_NOTE[meta(it, 'note')],
    topic: (it) => (meta(it, 'label') === 'safe' && /definitions|historical|privacy_public|group/.test(meta(it, 'type')) ? 'knowledge' : undefined),
  },
  {
    name: 'openai_moderation',
    role: 'both',
    harmful: (it) => meta(it, 'label') === 'unsafe',
    harm: (it) => {
      const codes = moderationCodes(it);
      return MODERATION.find(([c]) => codes.includes(c))?.[1];
    },
  },
];

export const HARMFUL_REQUEST_SETS = ['harmbench', 'advbench', 'strongreject', 'jailbreakbench_behaviors', 'past_tense_harmful', 'harmful_questions'];

export function dataset(name: string): DatasetInfo {
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown data set ${name}`);
  return d;
}

export interface LabelledText {
  set: string;
  id: string;
  text: string;
  harmful: boolean;
  harm?: HarmCategory;
  topic?: Topic;
  family?: string;
  holdout: boolean;
  train: boolean;
  /** A training-time variant of another item (src/lab/train/scaffold-augment.ts); never evaluated. */
  augmented?: boolean;
}

/** Every item of every catalogued set with its labels; long documents are cut to what a prompt would carry. */
export function labelledTexts(dataDir: string): LabelledText[] {
  const out: LabelledText[] = [];
  for (const d of DATASETS) {
    for (const it of loadCorpus(dataDir, d.name)) {
      const text = itemText(it).slice(0, 4000);
      if (!text) continue;
      const harmful = d.role === 'harmful' || d.role === 'jailbreak' || (d.role === 'both' && !!d.harmful?.(it));
      out.push({
        set: d.name,
        id: it.id,
        text,
        harmful,
        ...(harmful && d.harm?.(it) ? { harm: d.harm(it) } : {}),
        ...(!harmful && d.topic?.(it) ? { topic: d.topic(it) } : {}),
        ...(d.family && !harmful ? { family: d.family } : {}),
        holdout: isHoldout(it.id),
        train: d.train ? d.train(it) : true,
      });
    }
  }
  return out;
}
