// npm run eval:classifier — leave-one-dataset-out table of the prompt classifier (docs/detection.md).
//   --folds a,b   only these left-out sets (default: every safety set; 'none' to skip)
//   --benign a,b  benign sets left out one at a time (default: BENIGN_FOLDS; 'none' to skip)
//   --items a,b   sets left out of the benchmark-item head one at a time (default: ITEM_FOLDS; 'none' to skip)
//   --item-evidence  the item head with non-negative weights (ablation)
//   --speed       also measure classification throughput on one core
//   --no-augment  train without the scaffold and instruction-frame variants (ablation)
//   --train-jailbreaks  train the harm head on in-the-wild jailbreak templates too (ablation)
//   --no-concepts  words only, without the harm-concept lexicon features (ablation)
//   --length-knee K  past K features a text's features count by their mean, not their sum (ablation; the harm
//                  and unseen-benign tables only)
//   --harm-window W  the harm head's window in features (0: whole prompts only, the earlier design; ablation).
//                  The other ablations run with the shipped window unless it is set to 0.
//   --no-band-offsets  without the shipped threshold offsets per length band (src/lab/train/band-offsets.ts; an
//                  ablation). With them, the out-of-register logits are measured once over every benign register
//                  and each fold pools them without the set it leaves out (an approximation; see below).
import { loadCorpus } from '../src/detection/corpus.js';
import { sharedDataDir } from '../src/detection/data-path.js';
import { buildTextClassifier } from '../src/detection/signals/text-classifier.js';
import { labelledTexts } from '../src/lab/corpus-catalog.js';
import { BENIGN_FOLDS, DEFAULT_FOLDS, evaluateBenignFold, evaluateFold, evaluateItemFold, formatClassifierTable, ITEM_FOLDS, topicAccuracy, type BenignFoldRow, type FoldRow, type ItemFoldRow } from '../src/lab/eval/classifier-eval.js';
import { bandOffsetsFrom, OFFSET_EDGES } from '../src/lab/train/band-offsets.js';
import { featurize, measureExcess, trainTextModel } from '../src/lab/train/text-model-trainer.js';

const args = process.argv.slice(2);
/** A comma-separated list of sets after `name` ('none': no sets), or `fallback`. */
const listArg = (name: string, fallback: readonly string[]): readonly string[] => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  return args[i + 1] === 'none' ? [] : args[i + 1]!.split(',');
};
const folds = listArg('--folds', DEFAULT_FOLDS);
const data = sharedDataDir();
const t0 = Date.now();
const items = labelledTexts(data).map((t) => (args.includes('--train-jailbreaks') && t.set === 'inthewild_jailbreaks' ? { ...t, train: true } : t));
const ft = featurize(items, { augment: !args.includes('--no-augment'), ...(args.includes('--no-concepts') ? { concepts: false as const } : {}) });
const copyright = new Set(loadCorpus(data, 'harmbench').filter((it) => it.meta.functional === 'copyright').map((it) => it.id));
const kneeAt = args.indexOf('--length-knee');
const windowAt = args.indexOf('--harm-window');
if (windowAt >= 0 && !Number.isInteger(Number(args[windowAt + 1]))) throw new Error('--harm-window takes a whole number of features (0: off)');
const headOptions = { ...(kneeAt >= 0 ? { lengthKnee: Number(args[kneeAt + 1]) } : {}), ...(windowAt >= 0 ? { harmWindow: Number(args[windowAt + 1]) } : {}) };
// Offsets are measured once (a harm head without each benign register in turn) and pooled for each fold over every
// register but the one it leaves out. An approximation of measuring them per fold: the heads that measured them
// were trained with the fold's left-out set (its own register never sets its bar, but a harmful set left out
// helped train them).
const benignSets = listArg('--benign', BENIGN_FOLDS);
const needExcess = !args.includes('--no-band-offsets') && (folds.length > 0 || benignSets.length > 0);
const excess = needExcess ? measureExcess(ft, new Set(), headOptions) : undefined;
if (excess) process.stdout.write(`Band offsets (bands from ${[0, ...OFFSET_EDGES].join(', ')} features), all registers: ${bandOffsetsFrom(excess).map((x) => x.toFixed(2)).join(', ')}\n\n`);
const train = (set: string) => ({ ...headOptions, ...(excess ? { bandOffsets: bandOffsetsFrom(excess, new Set([set])) } : {}) });
const rows: FoldRow[] = [];
for (const set of folds) {
  const r = evaluateFold(ft, set, set === 'harmbench' ? copyright : undefined, train(set));
  rows.push(r);
  process.stderr.write(`${set}: recall ${(r.recall * 100).toFixed(1)}%${r.safeFlagged !== undefined ? `, safe flagged ${(r.safeFlagged * 100).toFixed(1)}%` : ''} (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
const benignRows: BenignFoldRow[] = [];
for (const set of benignSets) {
  const r = evaluateBenignFold(ft, set, train(set));
  benignRows.push(r);
  process.stderr.write(`${set} (benign, unseen): ${(r.flagged * 100).toFixed(1)}% flagged (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
const itemSets = listArg('--items', ITEM_FOLDS);
const itemRows: ItemFoldRow[] = [];
for (const set of itemSets) {
  const r = evaluateItemFold(ft, set, args.includes('--item-evidence') ? { itemWeights: 'evidence' } : {});
  itemRows.push(r);
  process.stderr.write(`${set} (${r.kind}, left out of the item head): ${(r.readAsItems * 100).toFixed(1)}% read as benchmark items (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
process.stdout.write(formatClassifierTable({ folds: rows, benignFolds: benignRows, itemFolds: itemRows, topicAccuracy: topicAccuracy(ft) }) + '\n');

if (args.includes('--speed')) {
  const clf = buildTextClassifier(trainTextModel(ft));
  const sample = ft.texts.filter((t, i) => !t.augmented && i % 7 === 0).map((t) => t.text);
  for (let r = 0; r < 2; r++) for (const s of sample) clf.classify(s);
  const start = process.cpuUsage();
  let n = 0;
  for (let r = 0; r < 5; r++) for (const s of sample) (clf.classify(s), n++);
  const used = process.cpuUsage(start);
  const sec = (used.user + used.system) / 1e6;
  const chars = sample.reduce((a, s) => a + Math.min(s.length, 1400), 0) / sample.length;
  process.stdout.write(`\nthroughput: ${Math.round(n / sec)} prompts/s on one core (CPU time), ${sample.length} prompts averaging ${Math.round(chars)} chars read\n`);
}
