// client-go's util/workqueue Typed queue: a FIFO with a dirty set and a processing set, so that
//   - an item added several times before it is taken is processed once (dedupe);
//   - an item is handed to at most one worker at a time;
//   - an item added while it is being processed is queued again when that worker calls done().
import { type Clock, type ClockTimer, realClock } from "../clock.js";
import { type MetricsProvider, QueueMetrics, unfinishedWorkUpdatePeriodMs } from "./metrics.js";

/** What get() resolves to: the next item, or `shutdown: true` once the queue is shut down and empty. */
export type QueueGetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

/**
 * A work queue of typed items (client-go's TypedInterface). Items are compared like Set members:
 * strings and numbers by value, objects by identity, so queue keys ("namespace/name"), not objects.
 */
export interface Queue<T> {
  /** Marks the item as needing processing. Ignored once the queue is shutting down. */
  add(item: T): void;
  /** Number of items waiting to be taken (not counting those being processed). */
  len(): number;
  /**
   * Takes the next item, waiting until one is available. Resolves with `shutdown: true` once the queue
   * is shut down and nothing is left to take; items queued before the shutdown are still handed out.
   */
  get(): Promise<QueueGetResult<T>>;
  /** Tells the queue that processing of the item has finished; re-queues it if it was added meanwhile. */
  done(item: T): void;
  /**
   * Stops accepting items and wakes every waiting get(). Called while a shutDownWithDrain() waits, it
   * makes that drain resolve at once (client-go: "to force ShutDownWithDrain to stop waiting").
   */
  shutDown(): void;
  /** Like shutDown, then resolves once every item taken with get() has been marked done. */
  shutDownWithDrain(): Promise<void>;
  /** True once shutDown() (or shutDownWithDrain()) was called. */
  shuttingDown(): boolean;
}

/** Options of a queue (client-go's TypedQueueConfig). */
export interface QueueConfig {
  /** Names the queue's metrics; metrics are recorded only for a named queue with a provider. */
  name?: string;
  /** Makes the queue's metrics (see prometheusMetricsProvider). */
  metricsProvider?: MetricsProvider;
  /** Time source for metrics and delays (a FakeClock in tests). */
  clock?: Clock;
}

/**
 * A FIFO of items over an array with a moving head (amortized O(1) push and shift). Positions are
 * absolute: the n-th item ever pushed has position n-1, whatever was shifted since.
 */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  /** Position of #items[0]. */
  #base = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Position of the item the next shift() returns: an item at a lower position was shifted out. */
  get headPosition(): number {
    return this.#base + this.#head;
  }

  /** Appends the item and returns its position. */
  push(item: T): number {
    this.#items.push(item);
    return this.#base + this.#items.length - 1;
  }

  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
    return item;
  }
}

/** The queue behind newTyped (the delaying queue extends it). */
export class TypedQueue<T> implements Queue<T> {
  protected readonly clock: Clock;
  readonly #queue = new Fifo<T>();
  /**
   * The FIFO position of every item pushed since the queue was last idle: an item is queued exactly
   * when its position is at or after the FIFO's head. client-go keeps a dirty set and a processing set
   * and deletes from both; here the large map is looked up and written once per add and never deleted
   * from item by item (a delete costs as much as the add): it is cleared when the queue is idle, and
   * rebuilt from the queued items when stale entries outnumber them (see #remember).
   */
  #positions = new Map<T, number>();
  /** Items taken by a worker (at most one per worker: a small set). */
  readonly #processing = new Set<T>();
  /** Items added again while being processed: queued again by done(). */
  readonly #again = new Set<T>();
  readonly #waiters: ((r: QueueGetResult<T>) => void)[] = [];
  readonly #drained: (() => void)[] = [];
  readonly #metrics: QueueMetrics<T> | undefined;
  #metricsTimer: ClockTimer | undefined;
  #shuttingDown = false;

  constructor(config: QueueConfig = {}) {
    this.clock = config.clock ?? realClock;
    if (config.metricsProvider && config.name) {
      this.#metrics = new QueueMetrics(config.name, config.metricsProvider, this.clock);
      this.#scheduleMetrics();
    }
  }

  #scheduleMetrics(): void {
    this.#metricsTimer = this.clock.setTimeout(
      () => {
        this.#metrics?.updateUnfinishedWork();
        if (!this.#shuttingDown || this.#processing.size > 0) this.#scheduleMetrics();
      },
      unfinishedWorkUpdatePeriodMs,
      false,
    );
  }

  add(item: T): void {
    if (this.#shuttingDown) return;
    if (this.#processing.has(item)) {
      if (this.#again.has(item)) return;
      this.#again.add(item);
      this.#metrics?.add(item);
      return;
    }
    const at = this.#positions.get(item);
    if (at !== undefined && at >= this.#queue.headPosition) return;
    this.#metrics?.add(item);
    this.#handOut(item);
  }

  /** Gives the item to a waiting get(), or queues it. */
  #handOut(item: T): void {
    if (this.#waiters.length > 0) (this.#waiters.shift() as (r: QueueGetResult<T>) => void)(this.#take(item));
    else this.#remember(item, this.#queue.push(item));
  }

  /** Records the item's FIFO position; first drops the stale entries once they outnumber the queued. */
  #remember(item: T, position: number): void {
    if (this.#positions.size > 2 * this.#queue.length + 1024) {
      const head = this.#queue.headPosition;
      const queued = new Map<T, number>();
      for (const [key, at] of this.#positions) if (at >= head) queued.set(key, at);
      this.#positions = queued;
    }
    this.#positions.set(item, position);
  }

  len(): number {
    return this.#queue.length;
  }

  #take(item: T): QueueGetResult<T> {
    this.#metrics?.get(item);
    this.#processing.add(item);
    return { item, shutdown: false };
  }

  get(): Promise<QueueGetResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take(this.#queue.shift()));
    if (this.#shuttingDown) return Promise.resolve({ item: undefined, shutdown: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(item: T): void {
    if (!this.#processing.delete(item)) return;
    this.#metrics?.done(item);
    if (this.#again.delete(item)) this.#handOut(item);
    // As in client-go, a drain waits for what is in flight only: an item queued again does not hold it.
    if (this.#processing.size === 0) {
      if (this.#queue.length === 0) this.#positions.clear();
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  shutDown(): void {
    this.#beginShutDown();
    // As in client-go, a shutDown() during shutDownWithDrain() ends the drain's wait.
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  #beginShutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ item: undefined, shutdown: true });
    this.onShutDown();
  }

  /** Hook for subclasses: stop timers when the queue shuts down. */
  protected onShutDown(): void {
    if (this.#metricsTimer && this.#processing.size === 0) this.clock.clearTimeout(this.#metricsTimer);
  }

  shutDownWithDrain(): Promise<void> {
    this.#beginShutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }
}

/** A new queue (client-go's workqueue.NewTypedWithConfig). */
export function newTyped<T>(config: QueueConfig = {}): Queue<T> {
  return new TypedQueue<T>(config);
}
