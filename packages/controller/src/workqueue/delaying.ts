// client-go's delaying queue: addAfter(item, ms) adds the item once the delay has passed. An item
// waiting twice keeps the earlier time. One clock timer is armed for the earliest waiting item.
import type { ClockTimer } from "../clock.js";
import type { CounterMetric } from "./metrics.js";
import { type Queue, type QueueConfig, TypedQueue } from "./queue.js";

/** A queue with delayed adds (client-go's TypedDelayingInterface). */
export interface DelayingQueue<T> extends Queue<T> {
  /** Adds the item after `delayMs` milliseconds (at once when ≤ 0). Ignored once shutting down. */
  addAfter(item: T, delayMs: number): void;
}

interface Waiting<T> {
  item: T;
  readyAt: number;
  seq: number;
  index: number;
}

/** A binary min-heap of waiting items by ready time, then insertion order. */
class WaitHeap<T> {
  readonly #heap: Waiting<T>[] = [];
  readonly #byItem = new Map<T, Waiting<T>>();
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  peek(): Waiting<T> | undefined {
    return this.#heap[0];
  }

  /** Inserts the item, or moves it earlier when it already waits for a later time. */
  upsert(item: T, readyAt: number): void {
    const existing = this.#byItem.get(item);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.#up(existing.index);
      }
      return;
    }
    const w: Waiting<T> = { item, readyAt, seq: this.#seq++, index: this.#heap.length };
    this.#heap.push(w);
    this.#byItem.set(item, w);
    this.#up(w.index);
  }

  pop(): Waiting<T> {
    const top = this.#heap[0] as Waiting<T>;
    const last = this.#heap.pop() as Waiting<T>;
    if (last !== top) {
      last.index = 0;
      this.#heap[0] = last;
      this.#down(0);
    }
    this.#byItem.delete(top.item);
    return top;
  }

  clear(): void {
    this.#heap.length = 0;
    this.#byItem.clear();
  }

  #less(a: Waiting<T>, b: Waiting<T>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Waiting<T>;
    const b = this.#heap[j] as Waiting<T>;
    this.#heap[i] = b;
    this.#heap[j] = a;
    a.index = j;
    b.index = i;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#heap[i] as Waiting<T>, this.#heap[parent] as Waiting<T>)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(this.#heap[l] as Waiting<T>, this.#heap[m] as Waiting<T>)) m = l;
      if (r < n && this.#less(this.#heap[r] as Waiting<T>, this.#heap[m] as Waiting<T>)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
  }
}

/** The queue behind newTypedDelayingQueue (the rate-limited queue extends it). */
export class TypedDelayingQueue<T> extends TypedQueue<T> implements DelayingQueue<T> {
  readonly #waiting = new WaitHeap<T>();
  readonly #retries: CounterMetric | undefined;
  #timer: ClockTimer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(config: QueueConfig = {}) {
    super(config);
    if (config.metricsProvider && config.name)
      this.#retries = config.metricsProvider.newRetriesMetric(config.name);
  }

  addAfter(item: T, delayMs: number): void {
    // NaN would add at once, a string would make readyAt a string: both a caller's (or limiter's) bug.
    if (typeof delayMs !== "number" || Number.isNaN(delayMs))
      throw new TypeError(`addAfter: delayMs must be a number of milliseconds (got ${String(delayMs)})`);
    if (this.shuttingDown()) return;
    this.#retries?.inc();
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    this.#waiting.upsert(item, readyAt);
    if (readyAt < this.#timerAt) this.#arm(readyAt);
  }

  #arm(at: number): void {
    if (this.#timer) this.clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.clock.setTimeout(() => this.#fire(), at - this.clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (let w = this.#waiting.peek(); w && w.readyAt <= now; w = this.#waiting.peek()) {
      this.add(this.#waiting.pop().item);
    }
    const next = this.#waiting.peek();
    if (next) this.#arm(next.readyAt);
  }

  protected override onShutDown(): void {
    super.onShutDown();
    if (this.#timer) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting.clear();
  }
}

/** A new delaying queue (client-go's workqueue.NewTypedDelayingQueueWithConfig). */
export function newTypedDelayingQueue<T>(config: QueueConfig = {}): DelayingQueue<T> {
  return new TypedDelayingQueue<T>(config);
}
