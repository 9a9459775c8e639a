// client-go's workqueue rate limiters: how long an item waits before it is retried.
import { type Clock, realClock } from "../clock.js";

/** Decides the delay before an item is retried (client-go's TypedRateLimiter). Delays in ms. */
export interface TypedRateLimiter<T> {
  /** The delay for the item's next retry (and counts the retry). */
  when(item: T): number;
  /** Stops tracking the item: its next failure starts from the first delay again. */
  forget(item: T): void;
  /** How many times the item has been retried since it was last forgotten. */
  numRequeues(item: T): number;
}

/** A limiter's delay option: finite ms ≥ 0 (addAfter rejects a NaN delay and never fires an infinite one). */
function isDelay(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0;
}

/** Doubles the delay per failure of an item: base·2^failures, at most max (defaults 5 ms, 1000 s). */
export class ItemExponentialFailureRateLimiter<T> implements TypedRateLimiter<T> {
  /** Delay after the first failure. */
  readonly baseDelayMs: number;
  /** Longest delay. */
  readonly maxDelayMs: number;
  readonly #failures = new Map<T, number>();

  constructor(baseDelayMs = 5, maxDelayMs = 1_000_000) {
    if (!isDelay(baseDelayMs) || !isDelay(maxDelayMs))
      throw new RangeError(
        `delays must be finite numbers ≥ 0 ms (got base ${baseDelayMs}, max ${maxDelayMs})`,
      );
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
  }

  when(item: T): number {
    const exp = this.#failures.get(item) ?? 0;
    this.#failures.set(item, exp + 1);
    // From 1024 failures on 2^exp is Infinity, which the cap catches; but 0·Infinity is NaN, not 0.
    const delay = this.baseDelayMs === 0 ? 0 : this.baseDelayMs * 2 ** exp;
    return Math.min(delay, this.maxDelayMs);
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** `fastDelayMs` for an item's first `maxFastAttempts` failures, then `slowDelayMs`. */
export class ItemFastSlowRateLimiter<T> implements TypedRateLimiter<T> {
  readonly #failures = new Map<T, number>();

  constructor(
    readonly fastDelayMs: number,
    readonly slowDelayMs: number,
    readonly maxFastAttempts: number,
  ) {
    if (
      !isDelay(fastDelayMs) ||
      !isDelay(slowDelayMs) ||
      !(Number.isInteger(maxFastAttempts) && maxFastAttempts >= 0)
    )
      throw new RangeError(
        `delays must be finite numbers ≥ 0 and maxFastAttempts an integer ≥ 0 (got fast ${fastDelayMs} ms, slow ${slowDelayMs} ms, maxFastAttempts ${maxFastAttempts})`,
      );
  }

  when(item: T): number {
    const n = (this.#failures.get(item) ?? 0) + 1;
    this.#failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket shared by all items (client-go's BucketRateLimiter over rate.Limiter):
 * `qps` tokens per second, at most `burst` saved, starting full. Each when() reserves a token and
 * returns how long until it is earned. It tracks no items. An infinite qps is rate.Inf: no delay.
 */
export class BucketRateLimiter<T> implements TypedRateLimiter<T> {
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    clock: Clock = realClock,
  ) {
    if (!(typeof qps === "number" && qps > 0) || !(Number.isInteger(burst) && burst >= 1))
      throw new RangeError(`need qps > 0 and an integer burst ≥ 1 (got qps ${qps}, burst ${burst})`);
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_item: T): number {
    // Infinity·0 elapsed would be NaN tokens.
    if (this.qps === Number.POSITIVE_INFINITY) return 0;
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest delay of several limiters; every limiter sees every call. */
export class MaxOfRateLimiter<T> implements TypedRateLimiter<T> {
  readonly #limiters: TypedRateLimiter<T>[];

  constructor(...limiters: TypedRateLimiter<T>[]) {
    if (limiters.length === 0) throw new RangeError("MaxOfRateLimiter needs at least one limiter");
    this.#limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * client-go's DefaultTypedControllerRateLimiter: per-item exponential backoff from 5 ms to 1000 s,
 * and an overall 10 qps bucket with a burst of 100; the longer delay wins.
 */
export function defaultTypedControllerRateLimiter<T>(clock: Clock = realClock): TypedRateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1_000_000),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}
