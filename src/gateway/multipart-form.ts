// multipart/form-data as the OpenAI SDKs upload files (`POST /v1/files`): read strictly, and written anew for
// the upstream. Anything two parsers could read differently is refused: a repeated field name, a transfer
// encoding, a missing or ambiguous boundary. What goes upstream is rebuilt from what Moat read, so the model
// server receives exactly the file whose items were judged.
import { randomBytes } from 'node:crypto';
import { MoatError } from '../errors/moat-error.js';

export interface FormFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartForm {
  /** Text fields by name. */
  fields: Map<string, string>;
  /** File fields by name. */
  files: Map<string, FormFile>;
}

/** The boundary of a `multipart/form-data` content type, or undefined when the type is another. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(';');
  if ((type as string).trim().toLowerCase() !== 'multipart/form-data') return undefined;
  const found = params.map((p) => p.trim()).filter((p) => p.toLowerCase().startsWith('boundary='));
  if (found.length !== 1) throw new MoatError('invalid_request', 'A multipart/form-data upload needs exactly one `boundary` parameter.');
  const b = (found[0] as string).slice('boundary='.length).replace(/^"(.*)"$/, '$1');
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(b)) throw new MoatError('invalid_request', 'The multipart boundary is not valid (RFC 2046: 1-70 characters).');
  return b;
}

/** Parses a whole multipart/form-data body. */
export function parseMultipart(body: Buffer, boundary: string): MultipartForm {
  const delim = Buffer.from(`--${boundary}`);
  const form: MultipartForm = { fields: new Map(), files: new Map() };
  let at = body.indexOf(delim);
  if (at < 0) throw bad('the boundary never appears');
  for (;;) {
    let p = at + delim.length;
    if (body[p] === 0x2d && body[p + 1] === 0x2d) return form; // closing delimiter
    if (body[p] === 0x0d && body[p + 1] === 0x0a) p += 2;
    else throw bad('a boundary line does not end with CRLF');
    const headEnd = body.indexOf('\r\n\r\n', p);
    if (headEnd < 0) throw bad('a part has no end of headers');
    const headers = parsePartHeaders(body.subarray(p, headEnd).toString('latin1'));
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw bad('the closing boundary is missing');
    addPart(form, headers, body.subarray(headEnd + 4, next));
    at = next + 2;
  }
}

function parsePartHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad('a part header is malformed');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (headers.has(name)) throw bad(`a part repeats its ${name} header`);
    headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function addPart(form: MultipartForm, headers: Map<string, string>, data: Buffer): void {
  if (headers.has('content-transfer-encoding')) throw bad('parts must not declare a Content-Transfer-Encoding (servers disagree on decoding it)');
  const disposition = headers.get('content-disposition') ?? '';
  if (!/^form-data\s*(;|$)/i.test(disposition)) throw bad('every part needs `Content-Disposition: form-data`');
  const name = dispositionParam(disposition, 'name');
  if (name === undefined || name === '') throw bad('a part has no name');
  if (form.fields.has(name) || form.files.has(name)) throw new MoatError('invalid_request', `The upload repeats the field "${name.slice(0, 100)}": servers disagree on which one counts, so Moat refuses it.`, { param: name });
  const filename = dispositionParam(disposition, 'filename');
  if (filename === undefined) form.fields.set(name, data.toString('utf8'));
  else form.files.set(name, { filename, contentType: headers.get('content-type') ?? 'application/octet-stream', data });
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const matches = [...disposition.matchAll(new RegExp(`;\\s*${param}(\\*?)=("((?:[^"\\\\]|\\\\.)*)"|[^;]*)`, 'gi'))];
  if (matches.length === 0) return undefined;
  if (matches.length > 1 || matches[0]?.[1] === '*') throw bad(`the ${param} of a part is given more than once or RFC 5987-encoded`);
  const m = matches[0] as RegExpMatchArray;
  return m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[2] as string).trim();
}

const bad = (why: string) => new MoatError('invalid_request', `The multipart/form-data upload is malformed: ${why}.`);

/**
 * A multipart/form-data body of the given fields and files, with a fresh boundary: a list of parts (the files'
 * own buffers among them, not copied) and its total length.
 */
export function buildMultipart(fields: ReadonlyMap<string, string>, files: ReadonlyMap<string, FormFile>): { contentType: string; body: Buffer[]; length: number } {
  const boundary = `moat-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const quote = (s: string) => s.replace(/["\\\r\n]/g, '_');
  for (const [name, value] of fields)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
  for (const [name, f] of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"; filename="${quote(f.filename)}"\r\nContent-Type: ${quote(f.contentType)}\r\n\r\n`));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: parts, length: parts.reduce((n, p) => n + p.length, 0) };
}
