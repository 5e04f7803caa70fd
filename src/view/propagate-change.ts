// After a store write: make it effective in this process first, then tell the others. Used by the admin
// API and by automation (enforcement) alike.
import type { Change, ChangeBus } from './change-bus.js';
import type { PolicyView } from './policy-view.js';

export async function propagateChange(deps: { view: Pick<PolicyView, 'applyChange'>; bus?: ChangeBus | undefined }, change: Change): Promise<void> {
  await deps.view.applyChange(change);
  // A failed broadcast is healed by the other processes' version check; it must not fail the write.
  await deps.bus?.publish(change).catch(() => {});
}
