// The kinds of evidence that link an account into a cluster, read from the reason the enforcement module
// writes ("linked to X by network /24 … (…); system prompt … (…): 9.5 nats"), so members can be summarised
// by kind instead of as near-identical sentences.
const KINDS = ['network /24', 'network /16', 'client', 'system prompt', 'prompt wrapper', 'request shape', 'co-activity', 'co-usage'] as const;

export function linkKinds(reason: string): string[] {
  const by = reason.indexOf(' by ');
  if (!reason.startsWith('linked to') || by < 0) return [];
  const parts = reason.slice(by + 4).split('; ');
  return KINDS.filter((k) => parts.some((p) => p.startsWith(k)));
}

/** "network /24: 26 accounts · system prompt: 27 accounts" */
export function kindCounts(reasons: string[]): { kind: string; accounts: number }[] {
  const n = new Map<string, number>();
  for (const r of reasons) for (const k of linkKinds(r)) n.set(k, (n.get(k) ?? 0) + 1);
  return [...n.entries()].map(([kind, accounts]) => ({ kind, accounts })).sort((a, b) => b.accounts - a.accounts);
}
