/** Waits until `cond` holds, polling every `everyMs`, or fails after `ms` naming what it waited for. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 30_000, everyMs = 10): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
