// Corpus access for the simulator, restricted to one split: `tune` (items the classifier was trained on and
// the rules were tuned with) or `holdout` (the one-in-five held out of both), or `all`.
import { isHoldout, itemText, loadCorpus, type CorpusItem } from '../detection/corpus.js';
import { sharedDataDir } from '../detection/data-path.js';

export type Split = 'tune' | 'holdout' | 'all';

export class Corpora {
  private readonly cache = new Map<string, CorpusItem[]>();
  constructor(
    readonly split: Split,
    private readonly dir: string = sharedDataDir(),
  ) {}

  items(name: string): CorpusItem[] {
    let xs = this.cache.get(name);
    if (!xs) {
      const all = loadCorpus(this.dir, name);
      xs = this.split === 'all' ? all : all.filter((it) => isHoldout(it.id) === (this.split === 'holdout'));
      if (!xs.length) xs = all;
      this.cache.set(name, xs);
    }
    return xs;
  }

  texts(name: string, filter?: (it: CorpusItem) => boolean): string[] {
    return this.items(name)
      .filter((it) => !filter || filter(it))
      .map(itemText)
      .filter((t) => t.length > 0);
  }
}
