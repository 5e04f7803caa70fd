// Builds the shipped detection models from ../shared/data (or MOAT_SHARED_DATA), deterministically:
//   rules/models/text.json              prompt classifier: harm, harm category and topic heads (derived weights)
//   rules/fingerprints/benchmarks.json  hashed word 5-gram samples of public benchmark and safety items
//   rules/models/scores.json            activity scores fitted on randomised simulated traffic
// Run: npm run build:models   (outputs are committed; rerun when shared/data, the simulator or rules/scores.yaml change)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesDir, sharedDataDir } from '../src/detection/data-path.js';
import { buildAssets } from '../src/lab/train/build-assets.js';

// Seeds the shipped scores are fitted on; the evaluation uses other seeds. Measured leave-one-dataset-out, fitting
// the eval's folds on 20 runs instead of 10 caught a hydra and an affiliate competitor that 10 missed, with no
// legitimate org labelled (docs/detection.md, twelfth run); the shipped fit keeps a few more runs than the eval's.
const SCORE_SEEDS = Array.from({ length: 24 }, (_, i) => 5000 + i);

const dir = rulesDir();
const built = buildAssets({
  dataDir: sharedDataDir(),
  rulesDir: dir,
  scoreSeeds: SCORE_SEEDS,
  scoreScale: 0.5,
  split: 'all',
  log: (l) => process.stderr.write(l + '\n'),
});
mkdirSync(join(dir, 'models'), { recursive: true });
mkdirSync(join(dir, 'fingerprints'), { recursive: true });
writeFileSync(join(dir, 'models', 'text.json'), JSON.stringify(built.text) + '\n');
writeFileSync(join(dir, 'fingerprints', 'benchmarks.json'), JSON.stringify(built.fingerprints) + '\n');
writeFileSync(join(dir, 'models', 'scores.json'), JSON.stringify(built.scores, null, 1) + '\n');
process.stdout.write(built.summary + '\n');
