// The Reflector's backoff (client-go: wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)):
// each failure doubles the delay up to a cap; every delay gets up to 100% random jitter, so many
// informers failing at the same instant (a server restart) spread out instead of retrying in lockstep;
// after a healthy period without failures the delay starts from the beginning again.

/** Backoff settings; every field has client-go's default. */
export interface BackoffOptions {
  /** First delay (default 800 ms). */
  initialMs?: number;
  /** Largest delay before jitter (default 30 000 ms). */
  maxMs?: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /** Random extra of up to `jitter` × the delay (default 1.0). */
  jitter?: number;
  /** A failure this long after the previous one starts from `initialMs` again (default 120 000 ms). */
  resetAfterMs?: number;
}

/** Exponential backoff with jitter and reset after a healthy period. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly resetAfterMs: number;
  #next: number;
  #lastFailure = Number.NEGATIVE_INFINITY;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(opts: BackoffOptions = {}, random: () => number = Math.random, now: () => number = Date.now) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 1;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1) || this.jitter < 0) {
      throw new RangeError(
        `backoff: want 0 < initialMs <= maxMs, factor >= 1, jitter >= 0 (got ${JSON.stringify(opts)})`,
      );
    }
    this.#next = this.initialMs;
    this.#random = random;
    this.#now = now;
  }

  /** The delay before the next attempt after a failure now. */
  nextDelayMs(): number {
    const now = this.#now();
    if (now - this.#lastFailure > this.resetAfterMs) this.#next = this.initialMs;
    this.#lastFailure = now;
    const base = this.#next;
    this.#next = Math.min(this.maxMs, base * this.factor);
    return base + this.#random() * this.jitter * base;
  }

  /** Starts from `initialMs` again. */
  reset(): void {
    this.#next = this.initialMs;
    this.#lastFailure = Number.NEGATIVE_INFINITY;
  }
}
