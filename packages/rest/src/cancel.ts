// Cancellation of one call: the caller's AbortSignal, the call's timeout, a stream's liveness window
// and a watch's stop() end it through one AbortController; waits (Retry-After, backoff) end with it.

import { setTimeout as delay } from "node:timers/promises";

/** Marks an abort caused by the call's own timeout. */
export class TimeoutReason {
  constructor(readonly ms: number) {}
}

/** Marks an abort caused by a stream's liveness window: no byte for `ms`. */
export class IdleReason {
  constructor(readonly ms: number) {}
}

/** An abort that came from the caller, the call's timeout, a stream's liveness window, or a watch's stop(). */
export interface Cancellation {
  readonly signal: AbortSignal;
  readonly controller: AbortController;
  /** Stops the timeout (a stream that got its headers has no deadline any more). */
  clearTimer(): void;
  /** The timeout, when it is what aborted the call. */
  timedOut(): TimeoutReason | undefined;
  /** Aborts with an IdleReason after `ms` (> 0) without a touch(); none when `ms` is 0. */
  idleAfter(ms: number): void;
  /** A byte arrived: the liveness window starts again. */
  touch(): void;
  /** The liveness window, when it is what aborted the call. */
  idled(): IdleReason | undefined;
  /** Stops the timers and lets go of the caller's signal. */
  dispose(): void;
}

/** One call's cancellation: aborts when `userSignal` does or after `timeoutMs` (none when unset or <= 0). */
export function cancellation(
  userSignal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Cancellation {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onUser = () => controller.abort(userSignal!.reason);
  if (userSignal) {
    if (userSignal.aborted) controller.abort(userSignal.reason);
    else userSignal.addEventListener("abort", onUser, { once: true });
  }
  if (timeoutMs && timeoutMs > 0 && !controller.signal.aborted) {
    timer = setTimeout(() => controller.abort(new TimeoutReason(timeoutMs)), timeoutMs);
  }
  let idle: ReturnType<typeof setTimeout> | undefined;
  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    signal: controller.signal,
    controller,
    clearTimer,
    timedOut: () =>
      controller.signal.reason instanceof TimeoutReason ? controller.signal.reason : undefined,
    idleAfter: (ms) => {
      if (idle) clearTimeout(idle);
      idle =
        ms > 0 && !controller.signal.aborted
          ? setTimeout(() => controller.abort(new IdleReason(ms)), ms)
          : undefined;
    },
    touch: () => idle?.refresh(),
    idled: () => (controller.signal.reason instanceof IdleReason ? controller.signal.reason : undefined),
    dispose: () => {
      clearTimer();
      if (idle) clearTimeout(idle);
      idle = undefined;
      userSignal?.removeEventListener("abort", onUser);
    },
  };
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return delay(ms);
  return delay(ms, undefined, { signal }).catch(() => {
    throw signal.reason;
  });
}
