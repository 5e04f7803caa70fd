/** Runs `fn`, expecting it to throw; returns the error (fails the test when nothing is thrown). */
export async function caught<T = any>(fn: () => Promise<unknown>): Promise<T> {
  try {
    await fn();
  } catch (e) {
    return e as T;
  }
  throw new Error('expected an error');
}
