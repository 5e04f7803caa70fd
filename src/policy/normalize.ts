// Normal forms the feature matchers compare, so that spellings an upstream treats alike cannot slip past a
// rule: names folded (Unicode compatibility forms, invisible characters, case), header lists split the way
// servers split them, and parameter values judged by truthiness the way lenient upstreams coerce them.

// Soft hyphen, zero-width spaces and joiners, word joiner and friends, byte order mark.
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** Tool, model and type names as matched: NFKC, without invisible characters, trimmed, lower case. */
export function foldName(s: string): string {
  return s.normalize('NFKC').replace(INVISIBLE, '').trim().toLowerCase();
}

/** `anthropic-beta` values: split on commas, semicolons and whitespace, folded, empties dropped. */
export function splitBetaHeader(v: string | readonly string[] | undefined): string[] {
  if (v === undefined) return [];
  const joined = typeof v === 'string' ? v : v.join(',');
  const out: string[] = [];
  for (const part of joined.split(/[\s,;]+/)) {
    const f = foldName(part);
    if (f) out.push(f);
  }
  return out;
}

// Strings lenient servers (pydantic, most config parsers) read as false; "none" is how reasoning efforts say off.
const FALSY_STRINGS = new Set(['', '0', 'false', 'f', 'no', 'n', 'off', 'none', 'null', 'disabled']);

/**
 * Whether a parameter value asks for the feature: absent, null, false, 0, NaN and false-like strings do not;
 * an object does unless it says it is off (`{"type":"disabled"}`, `{"enabled":false}`, `{"effort":"none"}`);
 * an array does when it is not empty.
 */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return !FALSY_STRINGS.has(foldName(v));
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('type' in o && typeof o.type === 'string' && foldName(o.type) === 'disabled') return false;
    if ('enabled' in o && !truthy(o.enabled)) return false;
    if ('effort' in o && !truthy(o.effort)) return false;
    return true;
  }
  return true;
}

/** A parameter value compared with a rule's value: booleans by truthiness, numbers numerically, strings folded. */
export function paramEquals(actual: unknown, want: string | number | boolean): boolean {
  if (typeof want === 'boolean') return want ? truthy(actual) : actual !== undefined && !truthy(actual);
  if (actual === undefined || actual === null || typeof actual === 'object') return false;
  if (typeof want === 'number') return Number(actual) === want;
  return foldName(String(actual)) === foldName(want);
}

/** A parameter by name; `a.b` reaches into objects (e.g. `chat_template_kwargs.enable_thinking`). */
export function paramValue(params: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(params, name)) return params[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = params;
  for (const part of name.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The places a user agent's products start: the whole string and after each separator, so a rule anchored with
 * `^` matches `claude-cli/1.0` wherever it appears in the list (`Mozilla/5.0 claude-cli/1.0`), not only first.
 */
export function userAgentStarts(ua: string): string[] {
  const s = ua.normalize('NFKC').replace(INVISIBLE, '');
  const out = [s];
  const sep = /[\s,;()]+/g;
  for (let m = sep.exec(s); m; m = sep.exec(s)) if (m.index + m[0].length < s.length) out.push(s.slice(m.index + m[0].length));
  return out;
}
