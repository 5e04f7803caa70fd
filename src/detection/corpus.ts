// Reads shared/data items (one JSON object per line). Used by the offline builds and the simulator, never by
// the online pipeline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnv1a } from './text/hash.js';

export interface CorpusItem {
  id: string;
  source: string;
  kind: string;
  category: string;
  turns: string[];
  meta: Record<string, unknown>;
}

export function loadCorpus(dataDir: string, name: string): CorpusItem[] {
  const raw = readFileSync(join(dataDir, name, 'items.jsonl'), 'utf8');
  const out: CorpusItem[] = [];
  for (const line of raw.split('\n')) if (line.trim()) out.push(JSON.parse(line) as CorpusItem);
  return out;
}

/**
 * The held-out corpus split: one item in five (by a hash of its id) is never used to train the classifier,
 * so the eval can report results on prompts the model has not seen.
 */
export function isHoldout(id: string): boolean {
  return fnv1a(id) % 5 === 0;
}

export function itemText(item: CorpusItem): string {
  if (item.turns.length) return item.turns[0]!;
  const t = item.meta.text;
  return typeof t === 'string' ? t : '';
}
