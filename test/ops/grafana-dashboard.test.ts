// examples/grafana-dashboard.json only queries metrics Moat registers, with label names those metrics have:
// a renamed metric or label fails here instead of as an empty panel in someone's Grafana.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { limitsMetrics } from '../../src/limits/limits-metrics.js';
import { startTestMoat } from '../support/start-test-moat.js';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}
const dashboard = JSON.parse(readFileSync(new URL('../../examples/grafana-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ query?: unknown }> };
};

/** Labels Prometheus adds at scrape (or histograms carry) rather than the metric's own. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'le']);

test('every dashboard query names registered metrics and their labels', async () => {
  const t = await startTestMoat({ name: 'dashboard', config: { 'detection.enabled': true } });
  const labelsOf = new Map<string, { type: string; labels: Set<string> }>();
  try {
    const limits = new Registry();
    limitsMetrics(limits);
    for (const reg of [t.moat.metricsRegistry, limits])
      for (const m of reg.getMetricsAsArray()) {
        const { name, type, labelNames } = m as unknown as { name: string; type: string; labelNames: string[] };
        labelsOf.set(name, { type: String(type), labels: new Set(labelNames) });
      }
  } finally {
    await t.close();
  }
  const resolve = (name: string) => labelsOf.get(name) ?? (/_(bucket|sum|count)$/.test(name) ? labelsOf.get(name.replace(/_(bucket|sum|count)$/, '')) : undefined);

  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => ({ panel: p.title, expr: x.expr })));
  for (const v of dashboard.templating.list) if (typeof v.query === 'string' && v.query.includes('moat_')) exprs.push({ panel: 'templating', expr: v.query });
  assert.ok(exprs.length >= 15, 'the dashboard has its panels');
  const seen = new Set<string>();
  for (const { panel, expr } of exprs) {
    const names = [...expr.matchAll(/\bmoat_[a-z0-9_]+/g)].map((m) => m[0]);
    assert.ok(names.length > 0, `${panel}: no Moat metric in ${expr}`);
    const metrics = names.map((n) => {
      const m = resolve(n);
      assert.ok(m, `${panel}: ${n} is not a metric Moat registers`);
      if (n.endsWith('_bucket')) assert.equal(m.type, 'histogram', `${panel}: ${n} is not a histogram bucket`);
      seen.add(n.replace(/_(bucket|sum|count)$/, ''));
      return m;
    });
    const allowed = new Set(metrics.flatMap((m) => [...m.labels]));
    const used = [
      ...[...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => (m[1] as string).split(',').map((s) => s.trim()).filter(Boolean)),
      ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...(m[1] as string).matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1] as string)),
    ];
    for (const l of used) if (!SCRAPE_LABELS.has(l)) assert.ok(allowed.has(l), `${panel}: label "${l}" is not a label of ${names.join(', ')}`);
  }
  // The product's own work is on the dashboard.
  for (const m of ['moat_model_requests_total', 'moat_model_request_duration_seconds', 'moat_model_tokens_total', 'moat_detection_labels_total', 'moat_cases_total', 'moat_enforcement_actions_total', 'moat_webhook_deliveries_total', 'moat_consumer_events_dropped_total', 'moat_consumer_restarts_total'])
    assert.ok(seen.has(m), `the dashboard shows ${m}`);
});
