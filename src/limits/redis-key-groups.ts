// Redis Cluster runs one script only over keys of one hash slot. Limiter keys carry their org as hash tag
// (`<prefix>{<orgId>}:<counter>`), so work over many orgs' keys is split into one call per tag.
export function byHashTag<T>(items: Iterable<T>, keyOf: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = keyOf(it);
    const open = key.indexOf('{');
    const close = open < 0 ? -1 : key.indexOf('}', open + 1);
    const tag = close > open + 1 ? key.slice(open + 1, close) : key;
    const g = groups.get(tag);
    if (g) g.push(it);
    else groups.set(tag, [it]);
  }
  return groups;
}
