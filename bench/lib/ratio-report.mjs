// @ts-check
// Same-run ratios against the bare-Node floor and nginx: throughput and p99 at saturation (c=32), added latency
// with one connection (c=1) and at 1,000 req/s open loop, and the long streams (500 chunks, both doors): time
// to first byte added and what each chunk adds. Every figure is computed per round (target against the direct
// upstream, or against the floor, in the same round) and then the median over rounds is taken.
import { LONG_STREAM_CHUNKS } from './fixed-response.mjs';

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** Per target: the figures of the ratio table (medians over rounds of same-round values). */
export function summariseRatios(rounds, targets) {
  const roundIds = [...new Set(rounds.map((x) => x.round))];
  const at = (id, t) => rounds.find((x) => x.round === id && x.target === t);
  const per = (t, fn) => median(roundIds.map((id) => { const r = at(id, t); const d = at(id, 'direct'); return r ? fn(r, d) : NaN; }));
  /** What a long stream adds per chunk (µs): added time from first to last byte, over the chunks after the first. */
  const perChunk = (s, d) => (((s?.end_p50 - s?.p50) - (d?.end_p50 - d?.p50)) * 1000) / (LONG_STREAM_CHUNKS - 1);
  const out = {};
  for (const t of targets) {
    out[t] = {
      c32_rps: per(t, (r) => r.saturation.rps),
      c32_p99_ms: per(t, (r) => r.saturation.p99),
      c1_p50_ms: per(t, (r) => r.c1?.p50),
      c1_added_p50_ms: per(t, (r, d) => r.c1?.p50 - d?.c1?.p50),
      open_p50_ms: per(t, (r) => r.open?.end_p50),
      open_added_p50_ms: per(t, (r, d) => r.open?.end_p50 - d?.open?.end_p50),
      open_added_p99_ms: per(t, (r, d) => r.open?.end_p99 - d?.open?.end_p99),
      open_errors: rounds.filter((r) => r.target === t).reduce((a, r) => a + (r.open?.errors ?? 0), 0),
      long: Object.fromEntries(['openai', 'anthropic'].map((door) => [door, {
        ttfb_p50_ms: per(t, (r) => r.long?.[door]?.p50),
        ttfb_added_p50_ms: per(t, (r, d) => r.long?.[door]?.p50 - d?.long?.[door]?.p50),
        per_chunk_added_us: per(t, (r, d) => perChunk(r.long?.[door], d?.long?.[door])),
        errors: rounds.filter((r) => r.target === t).reduce((a, r) => a + (r.long?.[door]?.errors ?? 0), 0),
      }])),
    };
  }
  const ratioOf = (a, b, fn) => median(roundIds.map((id) => { const x = at(id, a); const y = at(id, b); const d = at(id, 'direct'); return x && y ? fn(x, d) / fn(y, d) : NaN; }));
  const ratios = {};
  for (const m of targets.filter((t) => t.startsWith('moat'))) {
    for (const base of ['floor', 'nginx'].filter((b) => targets.includes(b))) {
      ratios[`${m}/${base}`] = {
        c32_rps: ratioOf(m, base, (r) => r.saturation.rps),
        c32_p99: ratioOf(m, base, (r) => r.saturation.p99),
        c1_added: ratioOf(m, base, (r, d) => r.c1?.p50 - d?.c1?.p50),
        open_added_p50: ratioOf(m, base, (r, d) => r.open?.end_p50 - d?.open?.end_p50),
      };
    }
  }
  if (targets.includes('moat-redis') && targets.includes('moat-memory')) ratios['moat-redis/moat-memory'] = { c32_rps: ratioOf('moat-redis', 'moat-memory', (r) => r.saturation.rps) };
  if (targets.includes('moat-base-redis') && targets.includes('moat-base')) ratios['moat-base-redis/moat-base'] = { c32_rps: ratioOf('moat-base-redis', 'moat-base', (r) => r.saturation.rps) };
  return { targets: out, ratios };
}

export function ratioMarkdown(s, labels, openRate) {
  const L = [];
  L.push(`| Target | c=32 req/s | c=32 p99 (ms) | c=1 p50 added (ms) | ${openRate}/s open loop: added p50 / p99 (ms) | 500-chunk stream, chat: TTFB added (ms) / per chunk added (µs) | 500-chunk stream, messages: TTFB added (ms) / per chunk added (µs) |`);
  L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, t] of Object.entries(s.targets)) {
    const direct = name === 'direct';
    const open = direct ? `${f(t.open_p50_ms, 3)} (abs. p50)` : `${f(t.open_added_p50_ms, 3)} / ${f(t.open_added_p99_ms, 3)}${t.open_errors ? ` (${t.open_errors} errors)` : ''}`;
    const long = (d) => (direct ? `${f(t.long[d].ttfb_p50_ms, 3)} (abs.)` : `${f(t.long[d].ttfb_added_p50_ms, 3)} / ${f(t.long[d].per_chunk_added_us, 1)}${t.long[d].errors ? ` (${t.long[d].errors} errors)` : ''}`);
    L.push(`| ${labels[name] ?? name} | ${f(t.c32_rps, 0)} | ${f(t.c32_p99_ms, 2)} | ${direct ? `${f(t.c1_p50_ms, 3)} (abs.)` : f(t.c1_added_p50_ms, 3)} | ${open} | ${long('openai')} | ${long('anthropic')} |`);
  }
  L.push('');
  L.push('| Same-run ratio (median of per-round ratios) | c=32 throughput | c=32 p99 | c=1 added p50 | open-loop added p50 |');
  L.push('| --- | ---: | ---: | ---: | ---: |');
  for (const [k, r] of Object.entries(s.ratios)) L.push(`| ${k} | ${f(r.c32_rps)} | ${f(r.c32_p99)} | ${f(r.c1_added)} | ${f(r.open_added_p50)} |`);
  return L.join('\n') + '\n';
}
