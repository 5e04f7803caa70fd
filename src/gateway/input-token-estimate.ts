// The input tokens a request will cost, estimated before the upstream answers (limits reserve it at admission
// and settle the real count afterwards). Text is ~4 characters per token. Images and documents are counted by
// what the model charges for them, never by the length of their base64 text (a 1 MB image is ~1,400,000
// characters but well under 2,000 tokens). The approximations, per API (docs/gateway.md "Input estimate"):
//   OpenAI image:     `detail: low` 85; otherwise fit in 2048×2048, shortest side to 768, 85 + 170 per 512 px tile
//                     (765 when the size cannot be read, the tokens of a 1024×1024 image).
//   Anthropic image:  width × height / 750 after fitting the long side in 1568 px, at most 1,600 (1,600 unknown).
//   PDF document:     3,000 tokens per page (text plus the page image), pages counted in the file; a document
//                     sent by file id or URL, 3,000.
//   Audio:            10 tokens per second, assuming 16 kB/s of encoded audio.
// Token ids (legacy completions, embeddings) count one each; tool definitions count as their JSON text.
import type { WireApi } from '../errors/wire-format.js';
import { isJsonObject } from '../json/is-json-object.js';

type Json = Record<string, unknown>;

export const IMAGE_TOKENS_UNKNOWN: Record<WireApi, number> = { openai: 765, anthropic: 1600 };
export const PDF_TOKENS_PER_PAGE = 3000;
const CHARS_PER_TOKEN = 4;
const MAX_DEPTH = 10;

/** Fields that hold what the model reads, in every door's spelling. */
const CONVERSATION = ['messages', 'system', 'input', 'instructions', 'prompt'] as const;

export function estimateInputTokens(body: Json, api: WireApi): number {
  const acc = { chars: 0, tokens: 0 };
  for (const k of CONVERSATION) walk(body[k], api, acc, 0);
  // Tool definitions are part of the prompt the model reads.
  for (const k of ['tools', 'functions'] as const) if (Array.isArray(body[k])) acc.chars += jsonChars(body[k]);
  return Math.ceil(acc.chars / CHARS_PER_TOKEN) + acc.tokens;
}

function walk(v: unknown, api: WireApi, acc: { chars: number; tokens: number }, depth: number): void {
  if (typeof v === 'string') {
    const binary = dataUrl(v);
    if (binary) acc.tokens += binaryTokens(binary.mediaType, binary.base64, api, undefined);
    else acc.chars += v.length;
    return;
  }
  if (typeof v === 'number') {
    acc.tokens += 1; // a token id
    return;
  }
  if (depth > MAX_DEPTH || typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, api, acc, depth + 1);
    return;
  }
  const part = mediaPartTokens(v as Json, api);
  if (part !== undefined) {
    acc.tokens += part;
    return;
  }
  for (const k in v) if (k !== 'type') walk((v as Json)[k], api, acc, depth + 1);
}

/** Tokens of an image, document or audio part in any door's shape; undefined for other objects. */
function mediaPartTokens(p: Json, api: WireApi): number | undefined {
  switch (p.type) {
    case 'image_url': {
      // Chat completions: {type:"image_url", image_url:{url, detail}} (or a bare URL string).
      const iu = isJsonObject(p.image_url) ? p.image_url : { url: p.image_url };
      return imageTokens(typeof iu.url === 'string' ? iu.url : '', api, iu.detail);
    }
    case 'input_image': // Responses: {type:"input_image", image_url, detail} or {file_id}
      return imageTokens(typeof p.image_url === 'string' ? p.image_url : '', api, p.detail);
    case 'image': {
      // Messages: {type:"image", source:{type:"base64", media_type, data} | {type:"url"} | {type:"file"}}
      const src = isJsonObject(p.source) ? p.source : {};
      return src.type === 'base64' && typeof src.data === 'string' ? binaryTokens(String(src.media_type ?? 'image/'), src.data, api, undefined) : IMAGE_TOKENS_UNKNOWN[api];
    }
    case 'document': {
      const src = isJsonObject(p.source) ? p.source : {};
      if (src.type === 'base64' && typeof src.data === 'string') return binaryTokens(String(src.media_type ?? 'application/pdf'), src.data, api, undefined);
      if (src.type === 'text' && typeof src.data === 'string') return Math.ceil(src.data.length / CHARS_PER_TOKEN);
      if (src.type === 'content') return undefined; // content blocks: walked like any other content
      return PDF_TOKENS_PER_PAGE;
    }
    case 'input_file': // Responses: {type:"input_file", file_data:"data:...", filename} or {file_id}
    case 'file': {
      // Chat completions: {type:"file", file:{file_data, file_id, filename}}
      const f = p.type === 'file' && isJsonObject(p.file) ? p.file : p;
      const d = typeof f.file_data === 'string' ? (dataUrl(f.file_data) ?? { mediaType: 'application/pdf', base64: f.file_data }) : undefined;
      return d ? binaryTokens(d.mediaType, d.base64, api, undefined) : PDF_TOKENS_PER_PAGE;
    }
    case 'input_audio': {
      const a = isJsonObject(p.input_audio) ? p.input_audio : p;
      return typeof a.data === 'string' ? audioTokens(a.data) : 0;
    }
    default:
      return undefined;
  }
}

function imageTokens(url: string, api: WireApi, detail: unknown): number {
  if (api === 'openai' && detail === 'low') return 85;
  const d = dataUrl(url);
  return d ? binaryTokens(d.mediaType, d.base64, api, detail) : IMAGE_TOKENS_UNKNOWN[api];
}

function binaryTokens(mediaType: string, base64: string, api: WireApi, detail: unknown): number {
  const mt = mediaType.toLowerCase();
  if (mt.startsWith('image/')) {
    if (api === 'openai' && detail === 'low') return 85;
    const size = imageSize(decodePrefix(base64, 65_536));
    if (!size) return IMAGE_TOKENS_UNKNOWN[api];
    return api === 'openai' ? openAiImageTokens(size.w, size.h) : anthropicImageTokens(size.w, size.h);
  }
  if (mt === 'application/pdf') return Math.max(1, pdfPages(base64)) * PDF_TOKENS_PER_PAGE;
  if (mt.startsWith('audio/')) return audioTokens(base64);
  // Plain text sent as a file: its decoded characters.
  return Math.ceil((base64.length * 3) / 4 / CHARS_PER_TOKEN);
}

export function openAiImageTokens(w0: number, h0: number): number {
  let w = w0;
  let h = h0;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortSide = Math.min(w, h);
  if (shortSide > 768) {
    w *= 768 / shortSide;
    h *= 768 / shortSide;
  }
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}

export function anthropicImageTokens(w0: number, h0: number): number {
  const fit = Math.min(1, 1568 / Math.max(w0, h0));
  return Math.min(1600, Math.max(1, Math.ceil((w0 * fit * h0 * fit) / 750)));
}

function audioTokens(base64: string): number {
  const seconds = (base64.length * 3) / 4 / 16_000;
  return Math.ceil(seconds * 10);
}

/** `data:<media type>;base64,<data>` split, or undefined. */
function dataUrl(s: string): { mediaType: string; base64: string } | undefined {
  if (!s.startsWith('data:')) return undefined;
  const comma = s.indexOf(',');
  if (comma < 0 || comma > 256) return undefined;
  const meta = s.slice(5, comma);
  if (!meta.endsWith(';base64')) return undefined;
  return { mediaType: meta.slice(0, -7), base64: s.slice(comma + 1) };
}

function decodePrefix(base64: string, bytes: number): Buffer {
  const chars = Math.ceil(bytes / 3) * 4;
  return Buffer.from(base64.length > chars ? base64.slice(0, chars) : base64, 'base64');
}

/** Width and height from the header of a PNG, GIF, JPEG or WebP file, or undefined. */
export function imageSize(b: Buffer): { w: number; h: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF') return { w: b.readUInt16LE(6), h: b.readUInt16LE(8) };
  if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = b.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return { w: 1 + b.readUIntLE(24, 3), h: 1 + b.readUIntLE(27, 3) };
    if (chunk === 'VP8 ') return { w: b.readUInt16LE(26) & 0x3fff, h: b.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b.readUInt32LE(21);
      return { w: 1 + (bits & 0x3fff), h: 1 + ((bits >> 14) & 0x3fff) };
    }
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // JPEG: walk the segments to the first start-of-frame marker.
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1] as number;
      const len = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { w: b.readUInt16BE(i + 7), h: b.readUInt16BE(i + 5) };
      i += 2 + len;
    }
  }
  return undefined;
}

/** Pages of a base64 PDF: `/Type /Page` objects (not `/Pages`), 0 when none can be found. */
function pdfPages(base64: string): number {
  const text = Buffer.from(base64, 'base64').toString('latin1');
  let n = 0;
  const re = /\/Type\s*\/Page(?![a-zA-Z])/g;
  while (re.exec(text) !== null) n++;
  return n;
}

function jsonChars(v: unknown): number {
  try {
    return JSON.stringify(v).length;
  } catch {
    return 0;
  }
}
