// client-go's rate-limited queue: a delaying queue whose addRateLimited waits as its rate limiter says.
import { type DelayingQueue, TypedDelayingQueue } from "./delaying.js";
import type { QueueConfig } from "./queue.js";
import type { TypedRateLimiter } from "./ratelimiters.js";

/** A queue with rate-limited retries (client-go's TypedRateLimitingInterface). */
export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /** Adds the item after the rate limiter's delay for it. */
  addRateLimited(item: T): void;
  /** Tells the rate limiter the item succeeded (or was given up): its backoff starts over. */
  forget(item: T): void;
  /** How many times the item has been re-queued through addRateLimited. */
  numRequeues(item: T): number;
}

class TypedRateLimitingQueue<T> extends TypedDelayingQueue<T> implements RateLimitingQueue<T> {
  readonly #limiter: TypedRateLimiter<T>;

  constructor(limiter: TypedRateLimiter<T>, config: QueueConfig) {
    super(config);
    this.#limiter = limiter;
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.#limiter.when(item));
  }

  forget(item: T): void {
    this.#limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.#limiter.numRequeues(item);
  }
}

/** A new rate-limited queue (client-go's workqueue.NewTypedRateLimitingQueueWithConfig). */
export function newTypedRateLimitingQueue<T>(
  limiter: TypedRateLimiter<T>,
  config: QueueConfig = {},
): RateLimitingQueue<T> {
  return new TypedRateLimitingQueue<T>(limiter, config);
}
