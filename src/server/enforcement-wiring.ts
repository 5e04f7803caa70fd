// Builds the enforcement service over the store and the live policy view: cases in SQL, actions applied
// through the store and propagated like admin changes, webhooks from a durable outbox.
import type { MoatConfig } from '../config/schema.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { PolicyView } from '../view/policy-view.js';
import { propagateChange, type ChangeBroadcaster } from '../view/change-broadcaster.js';
import { clauseText } from '../policy/policy-rules.js';
import { EnforcementService } from '../enforcement/enforcement-service.js';
import { SqlCaseStore, sqlAuditAppender } from '../enforcement/sql-case-store.js';
import { orgFactsFromSnapshot, storeEnforcementTarget } from '../enforcement/store-target.js';
import { playbooksFromPolicy } from '../enforcement/playbooks-from-policy.js';
import { WebhookNotifier } from '../enforcement/webhook-notifier.js';
import { SqlWebhookQueue } from '../enforcement/webhook-queue.js';
import { readSecretRoll, signingSecrets } from '../enforcement/webhook-secrets.js';
import type { OperationsMetrics } from '../ops/metrics.js';
import { WebhookAddressPolicy } from '../enforcement/webhook-address.js';
import type { Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import { readSecretFile, writeSecretFile } from '../config/data-dir-secret.js';
import { randomBytes } from 'node:crypto';

export interface EnforcementWiring {
  service: EnforcementService;
  notifier: WebhookNotifier;
  webhookSecret: string;
  /** Where webhooks may be sent; the admin API checks contact webhooks against it too. */
  addresses: WebhookAddressPolicy;
  stop(): Promise<void>;
}

/** The webhook signing secret: from config, else kept in `<dataDir>/webhook-secret`, else generated there. */
export function resolveWebhookSecret(config: MoatConfig): string {
  if (config.enforcement.webhookSecret) return config.enforcement.webhookSecret;
  const kept = readSecretFile(config.dataDir, 'webhook-secret');
  if (kept) return kept;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  writeSecretFile(config.dataDir, 'webhook-secret', secret);
  return secret;
}

export function wireEnforcement(deps: { config: MoatConfig; driver: SqlDriver; view: PolicyView; broadcaster: ChangeBroadcaster; clock: Clock; logger: Logger; metrics?: OperationsMetrics }): EnforcementWiring {
  const { config, driver, view, broadcaster, clock, logger, metrics } = deps;
  const webhookSecret = resolveWebhookSecret(config);
  const addresses = new WebhookAddressPolicy(config.enforcement.webhookAllowNetworks);
  const notifier = new WebhookNotifier({
    queue: new SqlWebhookQueue(driver),
    secretFor: async (target) => signingSecrets(webhookSecret, target, await readSecretRoll(driver, target), clock.now()),
    clock,
    maxAttempts: config.enforcement.maxAttempts,
    addresses,
    onError: (err) => logger.warn({ err }, 'webhook delivery error'),
    ...(metrics ? { metrics } : {}),
  });
  notifier.start(config.enforcement.deliveryIntervalMs);
  const autoEnforce = config.enforcement.autoEnforce;
  const service = new EnforcementService({
    store: new SqlCaseStore(driver),
    target: storeEnforcementTarget(driver, (change) =>
      propagateChange({ view, broadcaster, onError: (err) => logger.warn({ err, version: change.version }, 'enforcement change not yet loaded here; the version check retries') }, change),
    ),
    audit: sqlAuditAppender(driver),
    playbooks: () => playbooksFromPolicy(view.current().rules, autoEnforce === undefined ? {} : { autoEnforce }),
    orgFacts: orgFactsFromSnapshot(() => view.current()),
    clauseText: (ref) => clauseText(view.current().rules, ref) ?? ref,
    notifier,
    ...(metrics ? { metrics } : {}),
    ...(config.enforcement.opsWebhookUrl ? { opsWebhookUrl: config.enforcement.opsWebhookUrl } : {}),
    clock,
  });
  return { service, notifier, webhookSecret, addresses, stop: () => notifier.stop() };
}
