// The clock every timed part of the toolkit reads (k8s.io/utils/clock): the real one by default, a
// FakeClock in tests so that delays, backoffs and lease timings are checked without waiting.
/** A timer started by a Clock; pass it to clearTimeout. */
export interface ClockTimer {
  /** Identifies the timer to its clock. */
  readonly id: number;
}

/** What the workqueue, rate limiters, leader election and events read time from. */
export interface Clock {
  /** Monotonic milliseconds (not wall time: only differences are meaningful). */
  now(): number;
  /**
   * Calls `fn` once after `ms` milliseconds. The timer keeps the process alive unless `keepAlive` is
   * false (a background refresh that must not hold a finished program open).
   */
  setTimeout(fn: () => void, ms: number, keepAlive?: boolean): ClockTimer;
  /** Cancels a timer that has not fired yet. */
  clearTimeout(timer: ClockTimer): void;
  /** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

let nextTimerId = 1;

/** Waits `ms` on the clock's timers; rejects with the signal's reason as soon as it aborts. */
function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(t);
      reject(signal?.reason);
    };
    const t = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The longest delay a Node timer holds (about 24.8 days); Node fires a longer one after 1 ms. */
const maxNodeTimerMs = 2 ** 31 - 1;

class RealClock implements Clock {
  readonly #timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number, keepAlive = true): ClockTimer {
    const id = nextTimerId++;
    // A delay beyond Node's limit waits in steps of the limit (client-go's timers take any duration).
    const arm = (left: number) => {
      const t = setTimeout(
        () => {
          if (left > maxNodeTimerMs) return arm(left - maxNodeTimerMs);
          this.#timers.delete(id);
          fn();
        },
        Math.min(left, maxNodeTimerMs),
      );
      if (!keepAlive) t.unref();
      this.#timers.set(id, t);
    };
    arm(Math.max(0, ms));
    return { id };
  }

  clearTimeout(timer: ClockTimer): void {
    const t = this.#timers.get(timer.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.#timers.delete(timer.id);
    }
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** The process's clock (performance.now and Node's timers). */
export const realClock: Clock = new RealClock();

interface FakeTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told (k8s.io/utils/clock/testing.FakeClock): `step(ms)` advances it and
 * runs, in time order, every timer that has come due, including timers those timers start.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const id = nextTimerId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return { id };
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Number of timers not yet fired (lets a test wait until code under test has started its timer). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Advances the clock by `ms`, firing due timers in order of their due time. */
  step(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = end;
  }
}
