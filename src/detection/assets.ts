// Loads the shipped detection data (rules, linkage settings, fingerprints, category model) once per directory.
import { join } from 'node:path';
import { rulesDir } from './data-path.js';
import { loadLinkage, loadRules, type CompiledRule } from './rules/load-rules.js';
import type { LinkageSpec } from './rules/rule-schema.js';
import { loadCategoryModel, type CategoryModel } from './signals/category-model.js';
import { loadFingerprintIndex, type FingerprintIndex } from './signals/fingerprint-index.js';

export interface DetectionAssets {
  rules: CompiledRule[];
  linkage: LinkageSpec;
  fingerprints: FingerprintIndex;
  categories: CategoryModel;
}

const cache = new Map<string, DetectionAssets>();

export function loadDetectionAssets(dir: string = rulesDir()): DetectionAssets {
  let a = cache.get(dir);
  if (!a) {
    a = {
      rules: loadRules(dir),
      linkage: loadLinkage(dir),
      fingerprints: loadFingerprintIndex(join(dir, 'fingerprints', 'benchmarks.json')),
      categories: loadCategoryModel(join(dir, 'models', 'categories.json')),
    };
    cache.set(dir, a);
  }
  return a;
}
