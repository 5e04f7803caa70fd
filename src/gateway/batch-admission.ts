// Admitting a batch as the traffic it is: every item gets the policy decision and feature scopes a call to its
// own door would get (the first refused item refuses the batch, named), and the limits are reserved for all
// items at once in the same counters and rolling windows as calls — so a batch the windows cannot hold is
// refused whole, never admitted piecemeal. Items whose limits differ (model, features, grant) are reserved
// group by group; a refused group returns the requests and tokens the earlier groups reserved.
import type { IncomingHttpHeaders } from 'node:http';
import { MoatError } from '../errors/moat-error.js';
import type { WireApi } from '../errors/wire-format.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Limiter, LimitTicket, Usage } from '../limits/limiter.js';
import type { Decision } from '../policy/decision.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { Org } from '../model/org.js';
import { itemBody, type BatchItem } from './batch-items.js';
import { PURPOSE_HEADER } from '../policy/purpose-header.js';
import { extractFacts } from './extract-facts.js';
import { nextRequestId } from './request-id.js';

/** What stays of a judged item until its event is built: its place in the upload, not its parsed body. */
interface JudgedItem {
  customId: string;
  model: string;
  api: WireApi;
  endpoint: string;
  start: number;
  end: number;
  tags: string[];
}

/** Items whose limits are the same (grant, features, model), charged as one admission. */
interface LimitGroup {
  /** Facts of the group's first item, carrying the group's sums. */
  facts: RequestFacts;
  model: string;
  features: string[];
  grantId?: string;
  requests: number;
  withoutMaxTokens: number;
}

export interface BatchCaller {
  api: WireApi;
  /** The batch endpoint the items came through (`/v1/batches`, `/v1/messages/batches`): features on it apply to every item. */
  via: string;
  org: Org;
  keyId: string;
  headers: IncomingHttpHeaders;
  ip: string;
  now: number;
}

/**
 * Judges a batch item by item as it is read (`add`), keeping per item only what its event needs later and
 * summing each limit group: a 50,000-item batch never holds 50,000 parsed bodies or facts at once.
 */
export class BatchJudge {
  readonly items: JudgedItem[] = [];
  readonly groups = new Map<string, LimitGroup>();
  /** Each model named, with where it first appears (routing errors name that item). */
  readonly models = new Map<string, string>();
  /** The refusal `add` threw, if any (a refusal is metered; a malformed batch is not). */
  refusal: MoatError | undefined;

  constructor(
    private readonly caller: BatchCaller,
    private readonly snapshot: PolicySnapshot,
    private readonly decide: (f: RequestFacts, s: PolicySnapshot) => Decision,
  ) {}

  /** Decides one item; throws its refusal, naming the item, in the decision's own code. */
  readonly add = (item: BatchItem): void => {
    const { caller } = this;
    const facts = extractFacts({ api: item.api, endpoint: item.endpoint, kind: item.kind, body: item.body, headers: caller.headers, orgId: caller.org.id, keyId: caller.keyId, ip: caller.ip, now: caller.now });
    facts.viaBatch = caller.via;
    if (!this.models.has(item.model)) this.models.set(item.model, item.where);
    const d = this.decide(facts, this.snapshot);
    if (!d.allow) {
      this.refusal = new MoatError(d.code, `Batch item at ${item.where}: ${d.message}`, { retryable: d.retryable, ...(d.clause ? { clause: d.clause } : {}) });
      throw this.refusal;
    }
    this.items.push({ customId: item.customId, model: item.model, api: item.api, endpoint: item.endpoint, start: item.start, end: item.end, tags: d.tags });
    const key = `${d.grantId ?? ''}\0${[...d.features].sort().join('\0')}\0${facts.model}`;
    const g = this.groups.get(key);
    if (!g) {
      // The group's facts are its first item's (params included); the sums start from that item.
      this.groups.set(key, { facts: { ...facts, maxTokens: facts.maxTokens ?? 0 }, model: item.model, features: d.features, ...(d.grantId ? { grantId: d.grantId } : {}), requests: 1, withoutMaxTokens: facts.maxTokens === undefined ? 1 : 0 });
      return;
    }
    g.requests++;
    g.facts.inputTokensEstimate += facts.inputTokensEstimate;
    if (facts.maxTokens === undefined) g.withoutMaxTokens++;
    else g.facts.maxTokens = (g.facts.maxTokens ?? 0) + facts.maxTokens;
  };
}

/** The reservation of a whole batch: settle with `kept()` once the upstream took it, `released()` if it did not. */
export interface BatchReservation {
  /** Rate-limit headers of the last group (the caller's convention). */
  headers: Record<string, string>;
  /** The upstream accepted the batch: the reservation stays charged (results are metered, not refunded). */
  kept(): Promise<void>;
  /** The upstream refused it: the tokens go back (the requests stay counted, as for a refused call). */
  released(): Promise<void>;
}

/** Reserves limits for every judged item, group by group; refuses the batch if any group does not fit. */
export async function reserveBatch(judge: BatchJudge, caller: BatchCaller, limiter: Limiter): Promise<BatchReservation> {
  const tickets: LimitTicket[] = [];
  const settleAll = (usage: Usage) => Promise.all(tickets.map((t) => t.settle(usage))).then(() => undefined);
  for (const group of judge.groups.values()) {
    const r = await limiter.admit({
      facts: group.facts,
      tier: caller.org.tier,
      features: group.features,
      orgAttributes: caller.org.attributes,
      batch: { requests: group.requests, withoutMaxTokens: group.withoutMaxTokens },
      ...(group.grantId ? { grantId: group.grantId } : {}),
    });
    if (!r.ok) {
      // Refused by Moat before anything ran: the earlier groups' requests go back with their tokens, so a refused
      // batch is charged nothing, like a refused call.
      await settleAll({ inputTokens: 0, outputTokens: 0, requests: 0 });
      const e = r.error;
      throw new MoatError(
        e.code,
        `The batch's ${group.requests} item${group.requests === 1 ? '' : 's'} for model "${group.model}" do not fit the limits (a batch is charged as its items, all at once): ${e.message}`,
        { retryable: e.retryable, ...(e.headers ? { headers: e.headers } : {}), ...(e.limit ? { limit: e.limit } : {}) },
      );
    }
    tickets.push(r.ticket);
  }
  return {
    headers: tickets.at(-1)?.headers ?? {},
    kept: () => Promise.all(tickets.map((t) => t.settle())).then(() => undefined),
    released: () => settleAll({ inputTokens: 0, outputTokens: 0 }),
  };
}

/** Request headers recorded on item events (as on calls' events); never auth headers. */
const EVENT_HEADERS = ['moat-purpose', 'anthropic-beta', 'anthropic-version'] as const;

/**
 * One request event per item, as detection would see the item sent as a call; `batch` marks where it came from.
 * Built one at a time as the hand-off takes them, each body read again from `source` (the bytes judged).
 */
export function* itemEvents(judge: BatchJudge, source: Buffer, caller: BatchCaller, batchId: string, upstream: string, status: number): Generator<RequestEvent> {
  const headers: Record<string, string> = {};
  for (const h of EVENT_HEADERS) {
    const v = caller.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const ua = caller.headers['user-agent'];
  const client = typeof ua === 'string' ? { ip: caller.ip, userAgent: ua } : { ip: caller.ip };
  const ts = new Date(caller.now).toISOString();
  const purpose = caller.headers[PURPOSE_HEADER];
  for (const item of judge.items) {
    const ev: RequestEvent = {
      id: nextRequestId(),
      ts,
      orgId: caller.org.id,
      keyId: caller.keyId,
      model: item.model,
      api: item.api,
      endpoint: item.endpoint,
      stream: false,
      client,
      headers,
      body: itemBody(source, item),
      requestBytes: item.end - item.start,
      status,
      usage: { input_tokens: 0, output_tokens: 0 },
      responseText: '',
      latencyMs: 0,
      tags: item.tags,
      upstream,
      upstreamCalled: true,
      batch: { id: batchId, customId: item.customId },
    };
    if (typeof purpose === 'string') ev.purpose = purpose;
    yield ev;
  }
}
