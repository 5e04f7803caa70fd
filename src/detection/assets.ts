// Loads the shipped detection data (rules, linkage settings, fingerprints, prompt classifier, score models,
// population baselines) once per directory. The evaluation builds the same shape in memory, from models
// trained without its held-out data sets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Baselines } from './aggregate-features.js';
import { rulesDir } from './data-path.js';
import { loadLinkage, loadRules, type CompiledRule } from './rules/load-rules.js';
import type { ActivityLabel, LinkageSpec } from './rules/rule-schema.js';
import { loadScoreModels, type ScoreModel } from './scores/score-model.js';
import { loadFingerprintIndex, type FingerprintIndex } from './signals/fingerprint-index.js';
import { loadTextClassifier, type TextClassifier } from './signals/text-classifier.js';

export interface DetectionAssets {
  rules: CompiledRule[];
  linkage: LinkageSpec;
  fingerprints: FingerprintIndex;
  text: TextClassifier;
  scores: ReadonlyMap<ActivityLabel, ScoreModel>;
  baselines: Baselines;
}

const rateTest = z
  .strictObject({ base: z.number().gt(0).lt(1), sweep: z.number().gt(0).lt(1) })
  .refine((t) => t.sweep > t.base, { message: 'sweep must be above base' });

const baselinesSchema = z.strictObject({
  kind: z.literal('baselines'),
  description: z.string(),
  rates: z.strictObject({ harmful: rateTest, eval: rateTest, cot: rateTest }),
});

export function loadBaselines(dir: string): Baselines {
  const file = join(dir, 'scores', 'baselines.yaml');
  const r = baselinesSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new Error(`${file}: invalid baselines: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data.rates;
}

const cache = new Map<string, DetectionAssets>();

export function loadDetectionAssets(dir: string = rulesDir()): DetectionAssets {
  let a = cache.get(dir);
  if (!a) {
    a = {
      rules: loadRules(dir),
      linkage: loadLinkage(dir),
      fingerprints: loadFingerprintIndex(join(dir, 'fingerprints', 'benchmarks.json')),
      text: loadTextClassifier(join(dir, 'models', 'text.json')),
      scores: loadScoreModels(join(dir, 'models', 'scores.json')),
      baselines: loadBaselines(dir),
    };
    cache.set(dir, a);
  }
  return a;
}
