// Cancellation of one call: the caller's AbortSignal, the call's timeout, a stream's liveness window
// and a watch's stop() end it through one abort; waits (Retry-After, backoff) end with it.
// The abort is a plain object, not an AbortController: making an AbortSignal and adding a listener to
// it cost several microseconds each, a good part of a small GET. transport.ts's `send` listens to it
// (on/once/removeListener, an EventEmitter's shape) and aborts the request itself; a real AbortSignal
// is made only when something asks for `signal` (a retry's wait, a rate limiter that must wait, a
// WebSocket handshake).

import { setTimeout as delay } from "node:timers/promises";

/** Marks an abort caused by the call's own timeout. */
export class TimeoutReason {
  constructor(readonly ms: number) {}
}

/** Marks an abort caused by a stream's liveness window: no byte for `ms`. */
export class IdleReason {
  constructor(readonly ms: number) {}
}

type Listener = () => void;

/**
 * The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms
 * (with a TimeoutOverflowWarning), so every delay is capped at it (a Retry-After of 30 days waits
 * 24.8, instead of retrying at once).
 */
export const maxTimerMs = 2 ** 31 - 1;

/** `setTimeout` with the delay capped at maxTimerMs. */
function timer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  return setTimeout(fn, Math.min(ms, maxTimerMs));
}

/** An abort that came from the caller, the call's timeout, a stream's liveness window, or a watch's stop(). */
export class Cancellation {
  #aborted = false;
  #reason: unknown;
  #listeners: Listener[] = [];
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  readonly #userSignal: AbortSignal | undefined;
  readonly #onUser: Listener | undefined;

  /** Aborts when `userSignal` does or after `timeoutMs` (none when unset or <= 0). */
  constructor(userSignal: AbortSignal | undefined, timeoutMs: number | undefined) {
    this.#userSignal = userSignal;
    if (userSignal?.aborted) this.abort(userSignal.reason);
    else if (userSignal) {
      this.#onUser = () => this.abort(userSignal.reason);
      userSignal.addEventListener("abort", this.#onUser, { once: true });
    }
    if (timeoutMs && timeoutMs > 0 && !this.#aborted) {
      this.#timer = timer(() => this.abort(new TimeoutReason(timeoutMs)), timeoutMs);
    }
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why it aborted (the caller's reason, a TimeoutReason, an IdleReason, or an AbortError). */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the call (once; later calls do nothing). */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason ?? new DOMException("This operation was aborted", "AbortError");
    this.#controller?.abort(this.#reason);
    for (const listener of this.#listeners.splice(0)) listener();
  }

  /** The abort as an AbortSignal, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  // An EventEmitter's shape, for send's listener (only the "abort" event exists).
  on(_event: "abort", listener: Listener): this {
    if (!this.#aborted) this.#listeners.push(listener); // an EventEmitter's "abort" fires only once
    return this;
  }

  once(event: "abort", listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(_event: "abort", listener: Listener): this {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
    return this;
  }

  /** Starts the timeout now (a call whose timeout begins after its first rate-limiter wait). */
  startTimer(timeoutMs: number): void {
    this.clearTimer();
    if (timeoutMs > 0 && !this.#aborted)
      this.#timer = timer(() => this.abort(new TimeoutReason(timeoutMs)), timeoutMs);
  }

  /** Stops the timeout (a stream that got its headers has no deadline any more). */
  clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The timeout, when it is what aborted the call. */
  timedOut(): TimeoutReason | undefined {
    return this.#reason instanceof TimeoutReason ? this.#reason : undefined;
  }

  /** Aborts with an IdleReason after `ms` (> 0) without a touch(); none when `ms` is 0. */
  idleAfter(ms: number): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = ms > 0 && !this.#aborted ? timer(() => this.abort(new IdleReason(ms)), ms) : undefined;
  }

  /** A byte arrived: the liveness window starts again. */
  touch(): void {
    this.#idle?.refresh();
  }

  /** The liveness window, when it is what aborted the call. */
  idled(): IdleReason | undefined {
    return this.#reason instanceof IdleReason ? this.#reason : undefined;
  }

  /** Stops the timers and lets go of the caller's signal. */
  dispose(): void {
    this.clearTimer();
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#onUser) this.#userSignal?.removeEventListener("abort", this.#onUser);
  }
}

/** Waits `ms`; rejects with the abort's reason as soon as it aborts. */
export function sleep(ms: number, cancel?: Cancellation): Promise<void> {
  if (!cancel) return delay(Math.min(ms, maxTimerMs));
  if (cancel.aborted) return Promise.reject(cancel.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(cancel.reason);
    };
    const t = timer(() => {
      cancel.removeListener("abort", onAbort);
      resolve();
    }, ms);
    cancel.once("abort", onAbort);
  });
}
