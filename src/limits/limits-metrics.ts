// Prometheus metrics of the limiters, registered once per registry.
import { Counter, Gauge, Registry } from 'prom-client';

export interface LimitsMetrics {
  backendUp: Gauge;
  backendFailures: Counter<'op' | 'fail_mode'>;
  fastPathRejections: Counter;
}

const byRegistry = new WeakMap<Registry, LimitsMetrics>();

export function limitsMetrics(registry: Registry): LimitsMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      backendUp: new Gauge({ name: 'moat_limits_backend_up', help: '1 when the shared limit store (Redis) answers, 0 while limits run on the fallback or fail closed.', registers: [registry] }),
      backendFailures: new Counter({
        name: 'moat_limits_backend_failures_total',
        help: 'Limit operations that could not reach Redis, by operation (admit, settle, peek, renew, reconcile, ping) and fail mode.',
        labelNames: ['op', 'fail_mode'],
        registers: [registry],
      }),
      fastPathRejections: new Counter({ name: 'moat_limits_fast_path_rejections_total', help: 'Admissions refused locally (counter known to be exhausted) without a Redis round trip.', registers: [registry] }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
