// One contract for every ChangeBus: what a publisher sends, every subscriber (in any process) receives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, ChangeBus } from '../../src/changes/change-bus.js';

/** `make` returns two buses standing for two processes (the same instance for the in-process bus). */
export function runChangeBusContract(name: string, make: (() => Promise<[ChangeBus, ChangeBus]>) | undefined, skipReason?: string): void {
  describe(`change bus contract: ${name}`, { skip: make ? false : skipReason }, () => {
    let a: ChangeBus;
    let b: ChangeBus;
    before(async () => {
      [a, b] = await (make as () => Promise<[ChangeBus, ChangeBus]>)();
    });
    after(async () => {
      await a?.close();
      if (b !== a) await b?.close();
    });

    const next = (bus: ChangeBus, n: number) =>
      new Promise<Change[]>((resolve, reject) => {
        const got: Change[] = [];
        const timer = setTimeout(() => reject(new Error(`timed out with ${got.length}/${n}`)), 2000);
        const off = bus.subscribe((c) => {
          got.push(c);
          if (got.length === n) {
            clearTimeout(timer);
            off();
            resolve(got);
          }
        });
      });

    test('a published change reaches subscribers, in order, with its fields', async () => {
      const p = next(b, 3);
      await a.publish({ kind: 'org', orgId: 'org_1', version: 7 });
      await a.publish({ kind: 'affiliation', version: 8 });
      await a.publish({ kind: 'key', orgId: 'org_2', version: 9 });
      assert.deepEqual(await p, [
        { kind: 'org', orgId: 'org_1', version: 7 },
        { kind: 'affiliation', version: 8 },
        { kind: 'key', orgId: 'org_2', version: 9 },
      ]);
    });

    test('every subscriber hears it; unsubscribed handlers do not; a throwing handler does not stop others', async () => {
      let removedCalls = 0;
      const off = b.subscribe(() => removedCalls++);
      off();
      b.subscribe(() => {
        throw new Error('bad subscriber');
      });
      const p1 = next(b, 1);
      const p2 = next(b, 1);
      await a.publish({ kind: 'policy', version: 10 });
      assert.deepEqual(await p1, [{ kind: 'policy', version: 10 }]);
      assert.deepEqual(await p2, [{ kind: 'policy', version: 10 }]);
      assert.equal(removedCalls, 0);
    });
  });
}
