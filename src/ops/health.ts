// Liveness and readiness. Liveness only says the process answers; readiness says this process should get traffic
// (policy view loaded, not draining).
export interface Readiness {
  ready: boolean;
  reason?: string;
}

export function healthBody(): string {
  return '{"status":"ok"}';
}

export function readinessBody(r: Readiness): { status: number; body: string } {
  return r.ready
    ? { status: 200, body: '{"status":"ready"}' }
    : { status: 503, body: JSON.stringify({ status: 'not_ready', reason: r.reason ?? 'unknown' }) };
}
