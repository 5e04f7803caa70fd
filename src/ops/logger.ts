// pino JSON logger. Secrets (keys, auth headers) are redacted by path; prompt and response text are only ever
// logged at debug or below by the callers, never at info.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  'secret',
  'adminToken',
];

export function createLogger(opts: { level: string; name?: string }, dest?: DestinationStream): Logger {
  return pino({ level: opts.level, name: opts.name ?? 'moat', redact: { paths: REDACT, censor: '[redacted]' } }, dest);
}

/** A logger that discards everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
