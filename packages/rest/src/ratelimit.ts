// Client-side rate limiting: a token bucket like client-go's flowcontrol.NewTokenBucketRateLimiter
// (qps tokens per second, at most `burst` saved up, starting full).

export interface RateLimiter {
  /**
   * Takes a token if one is there now and says whether it did (client-go's TryAccept); optional. A
   * request that gets one goes at once, without an AbortSignal for a wait.
   */
  tryAccept?(): boolean;
  /** Resolves when the request may go; rejects with the signal's reason when aborted while waiting. */
  wait(signal?: AbortSignal): Promise<void>;
}

export class TokenBucketRateLimiter implements RateLimiter {
  readonly qps: number;
  readonly burst: number;
  #tokens: number;
  #last: number;

  constructor(qps: number, burst: number) {
    if (!(qps > 0))
      throw new RangeError(`qps must be > 0 (got ${qps}); use rateLimiter: null to disable limiting`);
    this.qps = qps;
    this.burst = Math.max(1, Math.floor(burst));
    this.#tokens = this.burst;
    this.#last = performance.now();
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
  }

  /** Takes a token if one is available now. */
  tryAccept(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    // Reserve a token now (the balance may go negative); wait until it has been earned.
    this.#tokens -= 1;
    if (this.#tokens >= 0) return Promise.resolve();
    // Capped at the longest delay a Node timer keeps (a longer one would fire at once).
    const delayMs = Math.min((-this.#tokens / this.qps) * 1000, 2 ** 31 - 1);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.#tokens += 1; // give the reservation back
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
