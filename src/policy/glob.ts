// The one glob matcher (grants, policy rules, limits, upstream routing; docs/configuration.md "Globs"):
// `*` matches any run of characters, `?` exactly one, everything else itself. No RegExp is built: globs come
// from the live view and are matched per request, so this must allocate nothing. ASCII letters match either
// case: model and tool names are compared folded (normalize.ts), and a grant or rule written `Claude-*`
// must still hold for them.

/** Same character, or the same ASCII letter in another case. */
function sameChar(a: number, b: number): boolean {
  if (a === b) return true;
  const la = a | 0x20;
  return la === (b | 0x20) && la >= 0x61 && la <= 0x7a;
}

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c === 42 /* * */) {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (c === 63 /* ? */ || sameChar(c, text.charCodeAt(t)))) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

export function anyGlobMatches(patterns: readonly string[], text: string): boolean {
  for (const g of patterns) if (globMatch(g, text)) return true;
  return false;
}
