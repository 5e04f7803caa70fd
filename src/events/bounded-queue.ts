// A bounded, non-blocking hand-off from the hot path to slower consumers. push() never waits: when the queue
// is full the event is dropped and counted, so a slow consumer can never slow request handling.
// A waiting consumer is woken once per event-loop turn (setImmediate), not once per push: under load every
// request finished in one turn goes out as one batch, instead of one consumer wake-up per request.
// Taken items are released at once (no slot keeps pointing at them): events carry parsed request bodies and
// response text, and a slot left behind kept each of them alive for seconds, so every event survived young-gen
// GC and was copied and promoted (the main thread's ~2 ms scavenges; docs/gateway.md, "Allocation").
// The queue is bounded by bytes as well as by count: events carry request bodies of up to the body limit, so a
// count alone let a stalled consumer hold capacity × body limit of memory.

export interface QueueBytes<T> {
  /** Most bytes (as sizeOf estimates them) held at once; a push beyond it is dropped and counted. */
  maxBytes: number;
  /** Estimated memory of one item; must return the same value for an item every time. */
  sizeOf(item: T): number;
}

export class BoundedQueue<T> {
  private buf: T[] = [];
  private head = 0;
  private waiters: Array<() => void> = [];
  dropped = 0;
  private closed = false;
  private wakeScheduled = false;
  private heldBytes = 0;

  constructor(
    readonly capacity: number,
    private readonly onDrop?: () => void,
    private readonly bytes?: QueueBytes<T>,
  ) {}

  get size(): number {
    return this.buf.length - this.head;
  }

  /** Estimated bytes of the items queued (0 without a byte bound). */
  get byteSize(): number {
    return this.heldBytes;
  }

  push(item: T): boolean {
    const n = this.bytes ? this.bytes.sizeOf(item) : 0;
    // One item larger than the whole bound is still accepted into an empty queue, or it could never pass.
    const overBytes = this.bytes !== undefined && this.heldBytes > 0 && this.heldBytes + n > this.bytes.maxBytes;
    if (this.closed || this.size >= this.capacity || overBytes) {
      this.dropped++;
      this.onDrop?.();
      return false;
    }
    this.heldBytes += n;
    this.buf.push(item);
    if (this.waiters.length > 0 && !this.wakeScheduled) {
      this.wakeScheduled = true;
      setImmediate(this.wake);
    }
    return true;
  }

  private readonly wake = (): void => {
    this.wakeScheduled = false;
    for (const w of this.waiters.splice(0)) w();
  };

  /**
   * Takes up to max items (and, with a byte bound, up to maxBytes of them, at least one); waits when empty.
   * Returns [] once closed and drained.
   */
  async take(max = 256, maxBytes = Infinity): Promise<T[]> {
    while (this.size === 0) {
      if (this.closed) return [];
      await new Promise<void>((r) => this.waiters.push(r));
    }
    let n = Math.min(max, this.size);
    if (this.bytes) {
      let taken = 0;
      for (let i = 0; i < n; i++) {
        const size = this.bytes.sizeOf(this.buf[this.head + i] as T);
        if (i > 0 && taken + size > maxBytes) {
          n = i;
          break;
        }
        taken += size;
      }
      this.heldBytes -= taken;
    }
    let out: T[];
    if (this.head === 0 && n === this.buf.length) {
      // The common case (the consumer keeps up): hand over the whole array instead of copying it.
      out = this.buf;
      this.buf = [];
      return out;
    }
    out = this.buf.slice(this.head, this.head + n);
    this.head += n;
    if (this.head === this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else {
      this.buf.fill(undefined as T, this.head - n, this.head);
      if (this.head > 4096 && this.head * 2 > this.buf.length) {
        this.buf = this.buf.slice(this.head);
        this.head = 0;
      }
    }
    return out;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
