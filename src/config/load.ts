// Loads and validates configuration from a YAML file and the environment; errors name the bad field.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigSchema, ENV_BINDINGS, type MoatConfig } from './schema.js';
import { DomainError } from '../errors/domain-error.js';

export class ConfigError extends DomainError {
  constructor(message: string) {
    super('invalid_config', message);
    this.name = 'ConfigError';
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}

export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}): MoatConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.MOAT_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
    }
    const doc = parseDocument(text);
    if (doc.errors.length) {
      const err = doc.errors[0]!;
      throw new ConfigError(`config file ${file}:${err.linePos?.[0]?.line ?? '?'}: ${err.message}`);
    }
    const parsed = doc.toJS() as unknown;
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: top level must be a mapping`);
      raw = parsed as Record<string, unknown>;
    }
  }
  for (const b of ENV_BINDINGS) {
    const v = env[b.env];
    if (v === undefined || v === '') continue;
    let value: unknown = v;
    if (b.type === 'number') {
      value = Number(v);
      if (!Number.isFinite(value)) throw new ConfigError(`environment ${b.env}: expected a number, got "${v}"`);
    } else if (b.type === 'boolean') value = v === 'true' || v === '1';
    setPath(raw, b.path, value);
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) setPath(raw, k.split('.'), v);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration${file ? ` (${file})` : ''}:\n${lines.join('\n')}`);
  }
  return result.data;
}
