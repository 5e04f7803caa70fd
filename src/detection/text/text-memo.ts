// A bounded memo of what a pure function of a prompt's text returned. Identical prompts are common in API
// traffic: an agent loop resends its user turn with every tool result, clients retry, and a follow-up is read
// with the question before it. Two generations of at most `capacity` entries each: when the current one is
// full it becomes the previous one and the oldest is dropped whole, so memory stays bounded without per-entry
// bookkeeping. Keys are the texts themselves (no hash a crafted prompt could collide with), and texts longer
// than `maxChars` are not kept, so the memo holds at most 2 x capacity x maxChars characters.

/** `tag`: what else the value depends on (compared with ===; a string tag is compared by its characters). */
export interface TextMemo<V, T extends number | string = number> {
  /** The value kept for this text and tag, or undefined. */
  get(text: string, tag: T): V | undefined;
  set(text: string, tag: T, value: V): void;
  readonly size: number;
}

interface Entry<V, T> {
  tag: T;
  value: V;
}

export function createTextMemo<V, T extends number | string = number>(capacity: number, maxChars: number): TextMemo<V, T> {
  let current = new Map<string, Entry<V, T>>();
  let previous = new Map<string, Entry<V, T>>();
  return {
    get(text, tag) {
      const hit = current.get(text);
      if (hit !== undefined) return hit.tag === tag ? hit.value : undefined;
      const old = previous.get(text);
      if (old === undefined || old.tag !== tag) return undefined;
      // Still in use: carried into the current generation so it outlives the next turnover.
      this.set(text, tag, old.value);
      return old.value;
    },
    set(text, tag, value) {
      if (text.length > maxChars || capacity <= 0) return;
      if (current.size >= capacity && !current.has(text)) {
        previous = current;
        current = new Map();
      }
      current.set(text, { tag, value });
    },
    get size() {
      return current.size + previous.size;
    },
  };
}
