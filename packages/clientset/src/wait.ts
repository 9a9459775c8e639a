// Waiting for a condition on a watch (client-go's watchtools.UntilWithoutRetry / Until).
import type { Watch, WatchEvent } from "@org/rest";

export interface WaitOptions {
  /** Give up after this long with a WaitTimeoutError (default: no limit). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Thrown by waitFor when the timeout passes before the condition holds. */
export class WaitTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs}ms waiting for the condition; raise timeoutMs or check the condition`);
    this.name = "WaitTimeoutError";
    this.timeoutMs = timeoutMs;
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
 * Creates a watch starting after `resourceVersion` (undefined on the first call), e.g.
 * `(rv) => pods.watch({ fieldSelector: "metadata.name=web", resourceVersion: rv })`.
 */
export type WatchFactory<T> = (resourceVersion: string | undefined) => Watch<T>;

function resourceVersionOf(obj: unknown): string | undefined {
  const rv = (obj as { metadata?: { resourceVersion?: string } } | null | undefined)?.metadata
    ?.resourceVersion;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
}

/**
 * Reads events until `condition` returns true and returns that event. With a factory, a watch that
 * ends (the server closes watches after a while) is re-created from the last resourceVersion seen;
 * with a plain watch, its end throws WatchClosedError. Errors of the watch (e.g. 410 Gone) and of
 * the condition are thrown. The watch is always stopped on return.
 */
export async function waitFor<T>(
  source: Watch<T> | WatchFactory<T>,
  condition: (event: WatchEvent<T>) => boolean | Promise<boolean>,
  opts?: WaitOptions,
): Promise<WatchEvent<T>> {
  const factory = typeof source === "function" ? source : undefined;
  let current: Watch<T> = factory === undefined ? (source as Watch<T>) : factory(undefined);
  let lastRV: string | undefined;
  // Set (once) by the timeout or the signal; read after every wake-up.
  const ended: { error?: unknown; done: boolean } = { done: false };
  const stopWith = (error: unknown) => {
    if (!ended.done) Object.assign(ended, { done: true, error });
    current.stop();
  };
  const signal = opts?.signal;
  const onAbort = () => stopWith(signal?.reason ?? new Error("waitFor was aborted"));
  const timeoutMs = opts?.timeoutMs;
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => stopWith(new WaitTimeoutError(timeoutMs)), timeoutMs)
      : undefined;
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      if (ended.done) throw ended.error;
      try {
        for await (const ev of current) {
          if (ended.done) break;
          const rv = resourceVersionOf(ev.object);
          if (rv !== undefined) lastRV = rv;
          if (ev.type === "BOOKMARK") continue;
          if (await condition(ev)) return ev;
        }
      } catch (err) {
        // A watch stopped by the timeout or the signal may end with its own error: report why.
        if (ended.done) throw ended.error;
        throw err;
      }
      if (ended.done) throw ended.error;
      if (factory === undefined) throw new WatchClosedError();
      current = factory(lastRV);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    current.stop();
  }
}
