// Waiting for a condition on a watch (client-go's watchtools.UntilWithoutRetry, and with a factory
// its Until: a RetryWatcher that watches again from the last resourceVersion).
import {
  isGone,
  isInternalError,
  isServerTimeout,
  isServiceUnavailable,
  isTimeout,
  isTooManyRequests,
  StatusError,
  TransportError,
  type Watch,
  type WatchEvent,
} from "@org/rest";

export interface WaitOptions {
  /** Give up after this long with a WaitTimeoutError (default: no limit). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * With a factory: the least time between the starts of two watches (from the factory's return to
   * its next call), so a watch that keeps ending or failing at once is not re-created in a tight loop
   * (default 1000 ms, client-go's RetryWatcher).
   */
  minRestartDelayMs?: number;
}

/** Thrown by waitFor when the timeout passes before the condition holds. */
export class WaitTimeoutError extends Error {
  readonly timeoutMs: number;
  /** With a factory: the failure of the last watch, when no event came after it (also the `cause`). */
  readonly lastError?: unknown;
  constructor(timeoutMs: number, lastError?: unknown) {
    super(
      lastError === undefined
        ? `timed out after ${timeoutMs}ms waiting for the condition; raise timeoutMs or check the condition`
        : `timed out after ${timeoutMs}ms waiting for the condition; the watch failed and was not yet back (last failure: ${(lastError as Error).message}); check that the server is reachable, or raise timeoutMs`,
      lastError === undefined ? undefined : { cause: lastError },
    );
    this.name = "WaitTimeoutError";
    this.timeoutMs = timeoutMs;
    if (lastError !== undefined) this.lastError = lastError;
  }
}

/** Thrown by waitFor when a watch (not a factory) ends before the condition holds. */
export class WatchClosedError extends Error {
  constructor() {
    super(
      "the watch ended before the condition held; pass a factory (resourceVersion) => watch so waitFor can resume",
    );
    this.name = "WatchClosedError";
  }
}

/**
 * Creates a watch starting after `resourceVersion` (undefined on the first call, and after a 410),
 * e.g. `(rv) => pods.watch({ fieldSelector: "metadata.name=web", resourceVersion: rv,
 * allowWatchBookmarks: true })`. Without a resourceVersion a watch begins with the current state
 * (an ADDED event per object).
 */
export type WatchFactory<T> = (resourceVersion: string | undefined) => Watch<T>;

function resourceVersionOf(obj: unknown): string | undefined {
  const rv = (obj as { metadata?: { resourceVersion?: string } } | null | undefined)?.metadata
    ?.resourceVersion;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
}

/**
 * A failure after which watching again may succeed, and how long the server asked us to wait (ms):
 * the connection (refused, reset, a stalled stream) or the server being busy or failing (429, 500,
 * 503, 504, e.g. "Too large resource version"); client-go's RetryWatcher retries these too.
 */
function transient(err: unknown): number | undefined {
  if (err instanceof TransportError) return 0;
  if (
    err instanceof StatusError &&
    (isTooManyRequests(err) ||
      isInternalError(err) ||
      isServiceUnavailable(err) ||
      isTimeout(err) ||
      isServerTimeout(err) ||
      err.code === 502)
  )
    return (err.retryAfterSeconds ?? 0) * 1000;
  return undefined;
}

/**
 * Reads events until `condition` returns true and returns that event; BOOKMARK events move the
 * resume point but are not passed to `condition`.
 *
 * With a plain watch, its end throws WatchClosedError and its errors are thrown.
 *
 * With a factory, waitFor watches again whenever a watch ends, as client-go's watchtools.Until does:
 * - a clean end (the server's timeout, a restart) or a failure that may pass (TransportError: the
 *   connection refused, reset or stalled; 429, 500, 502, 503, 504): from the last resourceVersion
 *   seen, after the server's Retry-After, and never sooner than `minRestartDelayMs` after the last
 *   watch started; until the timeout or the signal (a WaitTimeoutError then names the last failure);
 * - 410 Gone on a watch started from that resourceVersion (it is older than the server keeps, e.g.
 *   the resourceVersion of an unchanged object from the first watch's initial events): from the
 *   current state (`factory(undefined)`), as an informer lists again. An object deleted in between
 *   is then simply absent, no DELETED event is seen. Asking the factory's watches for
 *   `allowWatchBookmarks` keeps the resume point recent, so this is rare;
 * - other errors (400, 401, 403, 404, a 410 of `factory(undefined)`, a malformed event) and errors
 *   of `condition` are thrown.
 *
 * The watch is always stopped on return.
 */
export async function waitFor<T>(
  source: Watch<T> | WatchFactory<T>,
  condition: (event: WatchEvent<T>) => boolean | Promise<boolean>,
  opts?: WaitOptions,
): Promise<WatchEvent<T>> {
  const factory = typeof source === "function" ? source : undefined;
  const minRestartDelayMs = Math.max(0, opts?.minRestartDelayMs ?? 1000);
  let startedFrom: string | undefined;
  let current: Watch<T> = factory === undefined ? (source as Watch<T>) : factory(undefined);
  // Taken once the factory has returned: the clock may tick during the call, and the next start must
  // be minRestartDelayMs after any time the factory saw.
  let startedAt = Date.now();
  let lastRV: string | undefined;
  /** The failure waitFor is recovering from, until a watch delivers an event again. */
  let failing: unknown;
  // Set (once) by the timeout or the signal; read after every wake-up.
  const ended: { error?: unknown; done: boolean } = { done: false };
  let wakeSleeper = () => {};
  const stopWith = (error: unknown) => {
    if (!ended.done) Object.assign(ended, { done: true, error });
    current.stop();
    wakeSleeper();
  };
  const signal = opts?.signal;
  const onAbort = () => stopWith(signal?.reason ?? new Error("waitFor was aborted"));
  const timeoutMs = opts?.timeoutMs;
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => stopWith(new WaitTimeoutError(timeoutMs, failing)), timeoutMs)
      : undefined;
  // Always a turn of the event loop, even for 0 ms: watches that end at once must not starve the
  // timeout, the signal or anything else of the process.
  const sleep = (ms: number) =>
    ended.done
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(0, ms));
          wakeSleeper = () => {
            clearTimeout(t);
            resolve();
          };
        });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      if (ended.done) throw ended.error;
      let waitMs = 0;
      try {
        for await (const ev of current) {
          if (ended.done) break;
          failing = undefined;
          const rv = resourceVersionOf(ev.object);
          if (rv !== undefined) lastRV = rv;
          if (ev.type === "BOOKMARK") continue;
          if (await condition(ev)) return ev;
        }
        failing = undefined; // a clean end: the server was reached
      } catch (err) {
        // A watch stopped by the timeout or the signal may end with its own error: report why.
        if (ended.done) throw ended.error;
        const retryAfterMs = factory === undefined ? undefined : transient(err);
        if (retryAfterMs !== undefined) {
          waitMs = retryAfterMs;
          failing = err;
        } else if (factory !== undefined && isGone(err) && startedFrom !== undefined) {
          lastRV = undefined; // too old: start again from the current state
        } else {
          throw err;
        }
      }
      if (ended.done) throw ended.error;
      if (factory === undefined) throw new WatchClosedError();
      // A timer counts from the event loop's cached clock, so it may fire a few ms before Date.now()
      // reaches its time: sleep again for what is left, so no watch starts early.
      const resumeAt = Math.max(Date.now() + waitMs, startedAt + minRestartDelayMs);
      do await sleep(resumeAt - Date.now());
      while (!ended.done && Date.now() < resumeAt);
      if (ended.done) throw ended.error;
      startedFrom = lastRV;
      current = factory(lastRV);
      startedAt = Date.now();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    current.stop();
  }
}
