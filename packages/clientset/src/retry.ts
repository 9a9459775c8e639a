// client-go's util/retry: run an update again when it lost a race (409 Conflict).
import { setTimeout as pause } from "node:timers/promises";
import { isConflict } from "@org/rest";

/** client-go's wait.Backoff. Each step sleeps `durationMs`, then multiplies it by `factor`. */
export interface Backoff {
  /** How many times the function runs at most. */
  steps: number;
  /** The first sleep. */
  durationMs: number;
  /** Multiplier of the sleep after each step (1 = constant). */
  factor: number;
  /** Each sleep is lengthened by up to jitter × sleep, at random. */
  jitter: number;
  /** Upper bound of a sleep. */
  capMs?: number;
}

/** For updates that hit conflicts (client-go's retry.DefaultRetry): 5 tries, 10ms apart. */
export const DefaultRetry: Readonly<Backoff> = Object.freeze({
  steps: 5,
  durationMs: 10,
  factor: 1,
  jitter: 0.1,
});

/** For slower retries (client-go's retry.DefaultBackoff): 4 tries, 10ms × 5^n apart. */
export const DefaultBackoff: Readonly<Backoff> = Object.freeze({
  steps: 4,
  durationMs: 10,
  factor: 5,
  jitter: 0.1,
});

/**
 * Runs `fn` until it succeeds, throws an error `retriable` rejects, or `backoff.steps` runs have
 * failed (then the last error is thrown). client-go's retry.OnError.
 */
export async function onError<T>(
  backoff: Backoff,
  retriable: (err: unknown) => boolean,
  fn: () => Promise<T>,
  opts?: { signal?: AbortSignal },
): Promise<T> {
  const steps = Math.max(1, Math.floor(backoff.steps));
  let delay = backoff.durationMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= steps || !retriable(err)) throw err;
    }
    let wait = delay;
    if (backoff.jitter > 0) wait += Math.random() * backoff.jitter * delay;
    if (backoff.capMs !== undefined) wait = Math.min(wait, backoff.capMs);
    const signal = opts?.signal;
    // Node's abortable timer; an abort ends the wait with the signal's own reason.
    await pause(wait, undefined, signal && { signal }).catch((err: unknown) => {
      throw signal?.aborted ? signal.reason : err;
    });
    delay *= backoff.factor;
    if (backoff.capMs !== undefined) delay = Math.min(delay, backoff.capMs);
  }
}

/**
 * Runs `fn` (which should get the object, change it and update it) again while it fails with a
 * 409 Conflict, up to `backoff.steps` times (client-go's retry.RetryOnConflict with DefaultRetry).
 * Other errors, and the last conflict, are thrown.
 */
export function retryOnConflict<T>(
  fn: () => Promise<T>,
  backoff: Backoff = DefaultRetry,
  opts?: { signal?: AbortSignal },
): Promise<T> {
  return onError(backoff, isConflict, fn, opts);
}
