// Embedded deployments: one process, so a change is delivered to subscribers directly.
import type { Change, ChangeBus } from './change-bus.js';

export class InProcessChangeBus implements ChangeBus {
  private readonly handlers = new Set<(change: Change) => void>();

  async publish(change: Change): Promise<void> {
    for (const h of [...this.handlers]) {
      try {
        h(change);
      } catch {
        // One bad subscriber must not keep the others from hearing about the change.
      }
    }
  }

  subscribe(handler: (change: Change) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
