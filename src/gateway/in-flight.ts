// The model calls in flight: counted for shutdown, reachable to stop one org's calls when its access ends,
// and drained on shutdown (finish what can finish within the grace period, end the rest).
import { MoatError } from '../errors/moat-error.js';
import type { Exchange } from './exchange.js';

export class InFlight {
  private readonly exchanges = new Set<Exchange>();
  private drainingNow = false;
  private drained: (() => void) | undefined;

  get size(): number {
    return this.exchanges.size;
  }

  get draining(): boolean {
    return this.drainingNow;
  }

  /** The calls in flight (for the upstream deadline sweep). */
  values(): IterableIterator<Exchange> {
    return this.exchanges.values();
  }

  add(x: Exchange): void {
    this.exchanges.add(x);
  }

  delete(x: Exchange): void {
    this.exchanges.delete(x);
    if (this.drainingNow && this.exchanges.size === 0) this.drained?.();
  }

  /** Marks every call of the org to stop with `error` (streams at their next chunk). Returns how many. */
  stopOrg(orgId: string, error: MoatError): number {
    let n = 0;
    for (const x of this.exchanges)
      if (x.orgId === orgId && !x.stopWith) {
        x.stopWith = error;
        n++;
      }
    return n;
  }

  /** Stops accepting, lets calls finish for up to graceMs, then ends the rest. */
  async drain(graceMs: number): Promise<void> {
    this.drainingNow = true;
    if (this.exchanges.size > 0) await this.settledWithin(graceMs);
    // Past the deadline: end what is left, streams with an SSE error event, others with a 503.
    const err = new MoatError('shutting_down');
    const left = [...this.exchanges];
    for (const x of left) {
      x.stopWith ??= err;
      x.abort?.();
    }
    if (left.length === 0) return;
    // Aborting ends upstream calls at once; a client still trickling its request body gets one more second.
    await this.settledWithin(1_000);
    for (const x of this.exchanges) x.res.destroy();
  }

  private async settledWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((r) => (this.exchanges.size === 0 ? r() : (this.drained = r))),
      new Promise<void>((r) => (timer = setTimeout(r, ms))),
    ]);
    clearTimeout(timer);
  }
}
