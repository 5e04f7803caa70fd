// The demo upstream's batch APIs — a STAND-IN, not a batch service: OpenAI files (`purpose=batch`) and
// `/v1/batches`, Anthropic `/v1/messages/batches`. A batch runs all its items at creation with the demo's own
// canned answers and is complete at once (or, when told, stays in progress until cancelled), so the SDKs'
// batch calls can be tried through Moat without a model. It holds the last 1,000 files and batches.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isJsonObject } from '../json/is-json-object.js';

type Json = Record<string, unknown>;
/** The demo door whose answer a batch item gets. */
export type DemoBatchKind = 'chat' | 'responses' | 'completions' | 'embeddings' | 'messages';

export interface DemoBatchAnswer {
  status: number;
  body?: unknown;
  /** A body that is not JSON (file content, JSONL results). */
  text?: string;
  contentType: string;
}

export interface DemoBatches {
  /** The answer to a batch route, or undefined when the path is not one. */
  answer(method: string, path: string, headers: IncomingHttpHeaders, raw: Buffer, complete: boolean): Promise<DemoBatchAnswer | undefined>;
  setUrl(url: string): void;
  /** Batch ids cancelled, in order (tests). */
  readonly cancelled: string[];
}

interface DemoFile {
  object: Json;
  content: string;
}

interface DemoBatch {
  object: Json;
  /** Runs the items and completes the batch. */
  finish(): void;
  results?: string;
}

const KEEP = 1000;
const OPENAI_KINDS: Record<string, DemoBatchKind> = { '/v1/chat/completions': 'chat', '/v1/responses': 'responses', '/v1/completions': 'completions', '/v1/embeddings': 'embeddings' };

export function createDemoBatches(opts: { now: () => number; run(kind: DemoBatchKind, body: unknown, n: number): { status: number; body: Json } }): DemoBatches {
  const files = new Map<string, DemoFile>();
  const batches = new Map<string, DemoBatch>();
  const cancelled: string[] = [];
  let url = '';
  let seq = 0;
  // Ids differ between runs, as a real server's do (a shared registry outlives one demo process).
  const run = randomBytes(3).toString('hex');
  const secs = () => Math.floor(opts.now() / 1000);
  const keep = <T>(m: Map<string, T>, id: string, v: T) => {
    m.set(id, v);
    if (m.size > KEEP) m.delete(m.keys().next().value as string);
  };
  const ok = (body: unknown): DemoBatchAnswer => ({ status: 200, body, contentType: 'application/json' });
  const notFound = (anthropic: boolean, what: string): DemoBatchAnswer => ({
    status: 404,
    body: anthropic ? { type: 'error', error: { type: 'not_found_error', message: `${what} not found` } } : { error: { message: `No such ${what}`, type: 'invalid_request_error', param: null, code: null } },
    contentType: 'application/json',
  });
  const bad = (anthropic: boolean, message: string): DemoBatchAnswer => ({
    status: 400,
    body: anthropic ? { type: 'error', error: { type: 'invalid_request_error', message } } : { error: { message, type: 'invalid_request_error', param: null, code: null } },
    contentType: 'application/json',
  });

  function addFile(filename: string, purpose: string, content: string): Json {
    const id = `file-demo-${run}${++seq}`;
    const object = { id, object: 'file', bytes: Buffer.byteLength(content), created_at: secs(), filename, purpose, status: 'processed' };
    keep(files, id, { object, content });
    return object;
  }

  async function uploadFile(headers: IncomingHttpHeaders, raw: Buffer): Promise<DemoBatchAnswer> {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { 'content-type': String(headers['content-type'] ?? '') } }).formData();
    } catch {
      return bad(false, 'Expected a multipart/form-data upload.');
    }
    const file = form.get('file');
    if (typeof file === 'string' || file === null) return bad(false, 'Missing file.');
    return ok(addFile(file.name, String(form.get('purpose') ?? ''), await file.text()));
  }

  function createOpenAiBatch(body: Json, complete: boolean): DemoBatchAnswer {
    const file = typeof body.input_file_id === 'string' ? files.get(body.input_file_id) : undefined;
    if (!file) return notFound(false, 'file');
    const endpoint = String(body.endpoint);
    const kind = OPENAI_KINDS[endpoint];
    if (!kind) return bad(false, `Unsupported endpoint ${endpoint}.`);
    const id = `batch_demo_${run}${++seq}`;
    const lines = file.content.split('\n').filter((l) => l.trim() !== '');
    const object: Json = {
      id, object: 'batch', endpoint, errors: null, input_file_id: body.input_file_id, completion_window: body.completion_window ?? '24h',
      status: 'in_progress', output_file_id: null, error_file_id: null, created_at: secs(), in_progress_at: secs(), completed_at: null,
      cancelled_at: null, request_counts: { total: lines.length, completed: 0, failed: 0 }, metadata: body.metadata ?? null,
    };
    const b: DemoBatch = {
      object,
      finish() {
        const out: string[] = [];
        let failed = 0;
        for (const line of lines) {
          const item = JSON.parse(line) as Json;
          const r = opts.run(kind, item.body, ++seq);
          if (r.status !== 200) failed++;
          out.push(JSON.stringify({ id: `batch_req_${seq}`, custom_id: item.custom_id, response: { status_code: r.status, request_id: `req_demo_${seq}`, body: r.body }, error: null }));
        }
        const output = addFile(`${id}_output.jsonl`, 'batch_output', out.join('\n') + '\n');
        Object.assign(object, { status: 'completed', output_file_id: output.id, completed_at: secs(), request_counts: { total: lines.length, completed: lines.length - failed, failed } });
      },
    };
    keep(batches, id, b);
    if (complete) b.finish();
    return ok(object);
  }

  function createAnthropicBatch(body: Json, complete: boolean): DemoBatchAnswer {
    const requests = Array.isArray(body.requests) ? body.requests.filter(isJsonObject) : [];
    if (requests.length === 0) return bad(true, 'requests: at least one request is required');
    const id = `msgbatch_demo_${run}${++seq}`;
    const object: Json = {
      id, type: 'message_batch', processing_status: 'in_progress',
      request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null, created_at: new Date(opts.now()).toISOString(), expires_at: new Date(opts.now() + 86_400_000).toISOString(),
      archived_at: null, cancel_initiated_at: null, results_url: null,
    };
    const b: DemoBatch = {
      object,
      finish() {
        const out: string[] = [];
        let errored = 0;
        for (const r of requests) {
          const a = opts.run('messages', r.params, ++seq);
          if (a.status !== 200) errored++;
          out.push(JSON.stringify({ custom_id: r.custom_id, result: a.status === 200 ? { type: 'succeeded', message: a.body } : { type: 'errored', error: a.body } }));
        }
        b.results = out.join('\n') + '\n';
        Object.assign(object, {
          processing_status: 'ended', ended_at: new Date(opts.now()).toISOString(), results_url: `${url}/v1/messages/batches/${id}/results`,
          request_counts: { processing: 0, succeeded: requests.length - errored, errored, canceled: 0, expired: 0 },
        });
      },
    };
    keep(batches, id, b);
    if (complete) b.finish();
    return ok(object);
  }

  function cancel(id: string, anthropic: boolean): DemoBatchAnswer {
    const b = batches.get(id);
    if (!b) return notFound(anthropic, 'batch');
    const running = anthropic ? b.object.processing_status === 'in_progress' : b.object.status === 'in_progress';
    if (!running) return bad(anthropic, `Batch ${id} cannot be cancelled: it is no longer in progress.`);
    cancelled.push(id);
    if (anthropic) {
      const counts = b.object.request_counts as Json;
      Object.assign(b.object, { processing_status: 'ended', cancel_initiated_at: new Date(opts.now()).toISOString(), ended_at: new Date(opts.now()).toISOString(), request_counts: { ...counts, processing: 0, canceled: counts.processing } });
      b.results = '';
    } else Object.assign(b.object, { status: 'cancelled', cancelled_at: secs() });
    return ok(b.object);
  }

  function list(anthropic: boolean): DemoBatchAnswer {
    const data = [...batches.values()].map((b) => b.object).filter((o) => (anthropic ? o.type === 'message_batch' : o.object === 'batch')).reverse();
    const ids = { first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
    return ok(anthropic ? { data, ...ids } : { object: 'list', data, ...ids });
  }

  function parse(raw: Buffer): Json {
    try {
      const v: unknown = JSON.parse(raw.toString('utf8'));
      return isJsonObject(v) ? v : {};
    } catch {
      return {};
    }
  }

  return {
    cancelled,
    setUrl(u) {
      url = u;
    },
    async answer(method, path, headers, raw, complete) {
      let m: RegExpExecArray | null;
      if (method === 'POST' && path === '/v1/files') return uploadFile(headers, raw);
      if (method === 'GET' && path === '/v1/files') return ok({ object: 'list', data: [...files.values()].map((f) => f.object).reverse(), has_more: false });
      if (method === 'DELETE' && (m = /^\/v1\/files\/([^/]+)$/.exec(path))) {
        const id = m[1] as string;
        return files.delete(id) ? ok({ id, object: 'file', deleted: true }) : notFound(false, 'file');
      }
      if (method === 'DELETE' && (m = /^\/v1\/messages\/batches\/([^/]+)$/.exec(path))) {
        const id = m[1] as string;
        const b = batches.get(id);
        if (!b) return notFound(true, 'batch');
        if (b.object.processing_status === 'in_progress') return bad(true, `Batch ${id} cannot be deleted while it is in progress; cancel it first.`);
        batches.delete(id);
        return ok({ id, type: 'message_batch_deleted' });
      }
      if (method === 'GET' && (m = /^\/v1\/files\/([^/]+)$/.exec(path))) return files.has(m[1] as string) ? ok(files.get(m[1] as string)?.object) : notFound(false, 'file');
      if (method === 'GET' && (m = /^\/v1\/files\/([^/]+)\/content$/.exec(path))) {
        const f = files.get(m[1] as string);
        return f ? { status: 200, text: f.content, contentType: 'application/octet-stream' } : notFound(false, 'file');
      }
      if (path === '/v1/batches') return method === 'POST' ? createOpenAiBatch(parse(raw), complete) : list(false);
      if (method === 'GET' && (m = /^\/v1\/batches\/([^/]+)$/.exec(path))) return batches.has(m[1] as string) ? ok(batches.get(m[1] as string)?.object) : notFound(false, 'batch');
      if (method === 'POST' && (m = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path))) return cancel(m[1] as string, false);
      if (path === '/v1/messages/batches') return method === 'POST' ? createAnthropicBatch(parse(raw), complete) : list(true);
      if (method === 'GET' && (m = /^\/v1\/messages\/batches\/([^/]+)$/.exec(path))) return batches.has(m[1] as string) ? ok(batches.get(m[1] as string)?.object) : notFound(true, 'batch');
      if (method === 'POST' && (m = /^\/v1\/messages\/batches\/([^/]+)\/cancel$/.exec(path))) return cancel(m[1] as string, true);
      if (method === 'GET' && (m = /^\/v1\/messages\/batches\/([^/]+)\/results$/.exec(path))) {
        const b = batches.get(m[1] as string);
        if (!b) return notFound(true, 'batch');
        if (b.results === undefined) return bad(true, 'Batch is still in progress.');
        return { status: 200, text: b.results, contentType: 'application/binary' };
      }
      return undefined;
    },
  };
}
