// Model-name globs ("claude-*", "gpt-4o*"): `*` matches any run of characters, everything else is literal, in
// either case (request facts carry the folded model name, so `GPT-4o` cannot dodge a `gpt-4o*` limit).
const cache = new Map<string, RegExp>();

export function modelGlobMatches(glob: string, model: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    cache.set(glob, re);
  }
  return re.test(model);
}
