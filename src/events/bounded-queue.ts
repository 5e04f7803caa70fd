// A bounded, non-blocking hand-off from the hot path to slower consumers. push() never waits: when the queue
// is full the event is dropped and counted, so a slow consumer can never slow request handling.

export class BoundedQueue<T> {
  private buf: T[] = [];
  private head = 0;
  private waiters: Array<() => void> = [];
  dropped = 0;
  private closed = false;

  constructor(readonly capacity: number, private readonly onDrop?: () => void) {}

  get size(): number {
    return this.buf.length - this.head;
  }

  push(item: T): boolean {
    if (this.closed || this.size >= this.capacity) {
      this.dropped++;
      this.onDrop?.();
      return false;
    }
    this.buf.push(item);
    const w = this.waiters.shift();
    if (w) w();
    return true;
  }

  /** Takes up to max items; waits when empty. Returns [] once closed and drained. */
  async take(max = 256): Promise<T[]> {
    while (this.size === 0) {
      if (this.closed) return [];
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const n = Math.min(max, this.size);
    const out = this.buf.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
