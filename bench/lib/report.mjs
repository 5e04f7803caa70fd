// @ts-check
// Turns the rounds of a run into medians, added latencies, ratios, a markdown table and an SVG plot.
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Per target: medians over rounds; added latency = target minus direct in the same round, then the median. */
export function summarise(rounds, targets, rates) {
  const byRound = (r, t) => rounds.find((x) => x.round === r && x.target === t);
  const roundIds = [...new Set(rounds.map((x) => x.round))];
  const out = {};
  for (const t of targets) {
    const rows = rounds.filter((x) => x.target === t);
    const s = {
      throughput_rps: median(rows.map((r) => r.saturation.rps)),
      saturation_p50_ms: median(rows.map((r) => r.saturation.p50)),
      rss_peak_mib: median(rows.map((r) => r.rssPeakKiB / 1024)),
      fixed: {},
      stream: {},
    };
    for (const rate of rates) {
      const cell = (r) => r.fixed.find((f) => f.rate === rate);
      s.fixed[rate] = {
        achieved_rps: median(rows.map((r) => cell(r)?.rps)),
        p50_ms: median(rows.map((r) => cell(r)?.p50)),
        p99_ms: median(rows.map((r) => cell(r)?.p99)),
        added_p50_ms: median(roundIds.map((id) => cell(byRound(id, t) ?? { fixed: [] })?.p50 - cell(byRound(id, 'direct') ?? { fixed: [] })?.p50)),
        added_p99_ms: median(roundIds.map((id) => cell(byRound(id, t) ?? { fixed: [] })?.p99 - cell(byRound(id, 'direct') ?? { fixed: [] })?.p99)),
        errors: rows.reduce((a, r) => a + (cell(r)?.errors ?? 0), 0),
      };
    }
    s.stream = {
      ttfb_p50_ms: median(rows.map((r) => r.stream?.p50)),
      ttfb_p99_ms: median(rows.map((r) => r.stream?.p99)),
      added_p50_ms: median(roundIds.map((id) => byRound(id, t)?.stream?.p50 - byRound(id, 'direct')?.stream?.p50)),
      added_p99_ms: median(roundIds.map((id) => byRound(id, t)?.stream?.p99 - byRound(id, 'direct')?.stream?.p99)),
      errors: rows.reduce((a, r) => a + (r.stream?.errors ?? 0), 0),
    };
    s.errors = rows.reduce((a, r) => a + r.saturation.errors, 0) + Object.values(s.fixed).reduce((a, f) => a + f.errors, 0) + s.stream.errors;
    out[t] = s;
  }
  // Ratios of throughput, per round then the median (same-run ratios are what we quote).
  const ratio = (a, b) => median(roundIds.map((id) => byRound(id, a)?.saturation.rps / byRound(id, b)?.saturation.rps));
  const ratios = {};
  for (const moat of targets.filter((t) => t.startsWith('moat'))) {
    if (targets.includes('portkey')) ratios[`${moat}/portkey`] = ratio(moat, 'portkey');
    if (targets.includes('nginx')) ratios[`${moat}/nginx`] = ratio(moat, 'nginx');
  }
  if (targets.includes('portkey') && targets.includes('nginx')) ratios['portkey/nginx'] = ratio('portkey', 'nginx');
  return { targets: out, ratios };
}

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export function markdown(summary, labels, rates) {
  const t = summary.targets;
  const lines = [];
  lines.push(`| Target | Throughput (req/s) | ${rates.map((r) => `Added p50 / p99 @ ${r}/s (ms)`).join(' | ')} | Stream TTFB added p50 / p99 (ms) | Peak RSS (MiB) | Errors |`);
  lines.push(`| --- | --- | ${rates.map(() => '---').join(' | ')} | --- | --- | --- |`);
  for (const [name, s] of Object.entries(t)) {
    const cells = rates.map((r) => (name === 'direct' ? `${f(s.fixed[r].p50_ms, 3)} / ${f(s.fixed[r].p99_ms, 3)} (abs.)` : `${f(s.fixed[r].added_p50_ms, 3)} / ${f(s.fixed[r].added_p99_ms, 3)}`));
    const st = name === 'direct' ? `${f(s.stream.ttfb_p50_ms, 3)} / ${f(s.stream.ttfb_p99_ms, 3)} (abs.)` : `${f(s.stream.added_p50_ms, 3)} / ${f(s.stream.added_p99_ms, 3)}`;
    lines.push(`| ${labels[name] ?? name} | ${f(s.throughput_rps, 0)} | ${cells.join(' | ')} | ${st} | ${f(s.rss_peak_mib, 1)} | ${s.errors} |`);
  }
  lines.push('');
  lines.push('| Ratio (throughput, same run) | value |');
  lines.push('| --- | --- |');
  for (const [k, v] of Object.entries(summary.ratios)) lines.push(`| ${k} | ${f(v, 2)} |`);
  return lines.join('\n') + '\n';
}

/** SVG line plot: added median latency (p99 tails are in the table: on a shared machine they dwarf the medians) against offered load, one colour per target. */
export function svgPlot(summary, labels, rates, title) {
  const W = 760, H = 420, L = 70, R = 200, T = 40, B = 50;
  const colours = { nginx: '#2a9d8f', 'moat-memory': '#e76f51', 'moat-redis': '#f4a261', portkey: '#264653' };
  const series = Object.entries(summary.targets).filter(([n]) => n !== 'direct');
  const ys = series.flatMap(([, s]) => rates.map((r) => s.fixed[r].added_p50_ms)).filter(Number.isFinite);
  const yMax = Math.max(0.5, ...ys) * 1.1;
  const yMin = Math.min(0, ...ys);
  const lx = (r) => L + ((Math.log(r) - Math.log(rates[0])) / Math.max(1e-9, Math.log(rates[rates.length - 1]) - Math.log(rates[0]))) * (W - L - R);
  const ly = (v) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
  const el = [];
  el.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  el.push(`<text x="${L}" y="24" font-size="15" font-family="sans-serif">${title}</text>`);
  el.push(`<line x1="${L}" y1="${ly(yMin)}" x2="${W - R}" y2="${ly(yMin)}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`);
  for (let i = 0; i <= 5; i++) {
    const v = yMin + ((yMax - yMin) * i) / 5;
    el.push(`<line x1="${L}" y1="${ly(v)}" x2="${W - R}" y2="${ly(v)}" stroke="#eee"/><text x="${L - 8}" y="${ly(v) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${v.toFixed(2)}</text>`);
  }
  if (yMin < 0) el.push(`<line x1="${L}" y1="${ly(0)}" x2="${W - R}" y2="${ly(0)}" stroke="#999"/>`);
  for (const r of rates) el.push(`<text x="${lx(r)}" y="${H - B + 18}" font-size="11" text-anchor="middle" font-family="sans-serif">${r}</text>`);
  el.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" font-size="12" text-anchor="middle" font-family="sans-serif">offered load (requests/s, log scale)</text>`);
  el.push(`<text x="16" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" font-family="sans-serif" transform="rotate(-90 16 ${(T + H - B) / 2})">added latency (ms)</text>`);
  let ky = T + 10;
  for (const [name, s] of series) {
    const c = colours[name] ?? '#888';
    for (const [key, dash] of [['added_p50_ms', '']]) {
      const pts = rates.map((r) => [lx(r), ly(s.fixed[r][key])]).filter(([, y]) => Number.isFinite(y));
      el.push(`<polyline fill="none" stroke="${c}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${pts.map((p) => p.map((x) => x.toFixed(1)).join(',')).join(' ')}"/>`);
      for (const [x, y] of pts) el.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${c}"/>`);
    }
    el.push(`<line x1="${W - R + 15}" y1="${ky}" x2="${W - R + 40}" y2="${ky}" stroke="${c}" stroke-width="2"/><text x="${W - R + 46}" y="${ky + 4}" font-size="12" font-family="sans-serif">${labels[name] ?? name}</text>`);
    ky += 20;
  }
  el.push(`<text x="${W - R + 15}" y="${ky + 10}" font-size="11" font-family="sans-serif" fill="#555">median added (p99 in the table)</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">\n${el.join('\n')}\n</svg>\n`;
}
