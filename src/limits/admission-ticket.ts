// The ticket of an admitted request, shared by both limiters: its rate-limit headers and its settle.
import type { LimitStatus } from './limiter.js';
import type { LimitTicket, Usage } from './limiter.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

/** Headers in the caller's convention (`caller`) or both; Moat's own `moat-*` headers either way. */
export function ticketHeaders(opt: 'caller' | 'both' | undefined, api: 'openai' | 'anthropic', statuses: readonly LimitStatus[], now: number, into?: Record<string, string>) {
  return rateLimitHeaders(opt === 'both' ? 'both' : api, statuses, now, into);
}

const SETTLED = Promise.resolve();

/**
 * A held admission. Headers are built on first read: a request that fails before its response never pays
 * for them, and the statuses they show are the admission's own snapshot, so reading later changes nothing.
 */
export class AdmissionTicket implements LimitTicket {
  private built: Record<string, string> | undefined;
  private settled = false;

  constructor(
    private readonly convention: 'caller' | 'both' | undefined,
    private readonly api: 'openai' | 'anthropic',
    private readonly statuses: readonly LimitStatus[],
    private readonly now: number,
    private readonly onSettle: (usage: Usage | undefined) => Promise<void> | void,
  ) {}

  get headers(): Record<string, string> {
    return (this.built ??= ticketHeaders(this.convention, this.api, this.statuses, this.now));
  }

  writeHeaders(into: Record<string, string>): void {
    if (this.built) Object.assign(into, this.built);
    else ticketHeaders(this.convention, this.api, this.statuses, this.now, into);
  }

  settle(usage?: Usage): Promise<void> {
    if (this.settled) return SETTLED;
    this.settled = true;
    try {
      return this.onSettle(usage) ?? SETTLED;
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
