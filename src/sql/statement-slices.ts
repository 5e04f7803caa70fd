// Large writes in slices. The embedded store runs each statement synchronously on the gateway's event loop, so a
// statement's duration is a stall of every request in flight; writes of many rows go a slice per statement with a
// turn of the loop between them (on PostgreSQL this costs a round trip per slice, nothing else).

/** Lets the event loop run what is waiting (I/O, timers) before the next statement. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `write` over consecutive slices of at most `size` items, with a turn of the event loop between them. */
export async function inSlices<T>(items: readonly T[], size: number, write: (slice: readonly T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    if (i > 0) await nextTurn();
    await write(items.slice(i, i + size));
  }
}
