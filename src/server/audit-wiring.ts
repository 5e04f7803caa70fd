// The audit log's keys and checkpoints for a running server: the MAC key and the checkpoint signing key come from
// configuration or the data folder (never the database), the store driver is wrapped so every audit entry is
// MACed, and a checkpointer writes signed heads outside the store.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetch } from 'undici';
import { auditKey, type AuditKey } from '../audit/audit-chain.js';
import { withAuditKey } from '../audit/audit-key.js';
import { listAudit } from '../audit/audit-log.js';
import { AuditCheckpointer } from '../audit/checkpointer.js';
import type { MoatConfig } from '../config/schema.js';
import { readSecretFile, writeSecretFile } from '../config/data-dir-secret.js';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import type { SqlDriver } from '../sql/sql-driver.js';

export const AUDIT_FILES = { macKey: 'audit-mac-key', signingKey: 'audit-signing-key.pem', publicKey: 'audit-signing-key.pub.pem', checkpoints: 'audit-checkpoints.jsonl' } as const;

export interface AuditWiring {
  /** The store driver whose transactions MAC their audit entries. */
  driver: SqlDriver;
  key: AuditKey;
  publicKey: KeyObject;
  checkpointer: AuditCheckpointer;
  stop(): Promise<void>;
}

function resolveMacKey(config: MoatConfig): AuditKey {
  if (config.audit.macKey) return auditKey(config.audit.macKey);
  const kept = readSecretFile(config.dataDir, AUDIT_FILES.macKey);
  if (kept) return auditKey(kept);
  const secret = randomBytes(32).toString('base64');
  writeSecretFile(config.dataDir, AUDIT_FILES.macKey, secret);
  return auditKey(secret);
}

function resolveSigningKey(config: MoatConfig): KeyObject {
  const pem = config.audit.signingKey ?? readSecretFile(config.dataDir, AUDIT_FILES.signingKey);
  const key = pem ? createPrivateKey(pem) : generateKeyPairSync('ed25519').privateKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('audit.signingKey must be an Ed25519 private key (PKCS#8 PEM)');
  if (!pem) writeSecretFile(config.dataDir, AUDIT_FILES.signingKey, key.export({ type: 'pkcs8', format: 'pem' }).toString().trim());
  // The public half, for verifiers (`moat audit verify --public-key`); not a secret.
  writeFileSync(join(config.dataDir, AUDIT_FILES.publicKey), createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  return key;
}

export async function wireAudit(deps: { config: MoatConfig; driver: SqlDriver; logger: Logger; clock: Clock }): Promise<AuditWiring> {
  const { config, logger } = deps;
  const key = resolveMacKey(config);
  const signingKey = resolveSigningKey(config);
  const driver = withAuditKey(deps.driver, key);
  const newest = (await listAudit(deps.driver, { order: 'newest', limit: 1 }))[0];
  const newestKey = newest?.mac?.split(':')[1];
  if (newestKey && newestKey !== key.id)
    logger.warn({ ours: key.id, theirs: newestKey }, 'the newest audit entry is MACed with another key: every process sharing this store must use the same audit.macKey');
  const url = config.audit.checkpointUrl;
  const checkpointer = new AuditCheckpointer({
    store: deps.driver,
    key,
    signingKey,
    file: config.audit.checkpointFile ?? join(config.dataDir, AUDIT_FILES.checkpoints),
    now: () => deps.clock.now(),
    onProblem: (message, err) => logger.error({ err }, message),
    ...(url
      ? {
          publish: async (c) => {
            const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c), signal: AbortSignal.timeout(10_000) });
            await res.arrayBuffer();
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
          },
        }
      : {}),
  });
  // One at start: it records where MACs begin (a store upgraded from a version without them) and anchors the head.
  await checkpointer.checkpoint().catch((err: unknown) => logger.error({ err }, 'writing an audit checkpoint failed'));
  checkpointer.start(config.audit.checkpointMs);
  return { driver, key, publicKey: createPublicKey(signingKey), checkpointer, stop: () => checkpointer.stop() };
}
