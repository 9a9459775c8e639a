// Test-only: how long a failing call took, and the "within 10% of the asked time" bound of the fault
// tests. A timer cannot fire sooner than the event loop lets it: on a loaded machine (2 cores shared
// by parallel test files) the loop's longest delay during the call widens the bound, so the bound
// checks the client, not the machine. On a quiet machine that delay is a few milliseconds.

import assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";

const loop = monitorEventLoopDelay({ resolution: 5 });
let running = 0;

/** What timed() measured: the rejection, the milliseconds, the event loop's longest delay meanwhile. */
export interface Timed {
  err: unknown;
  ms: number;
  lagMs: number;
}

/** Runs `call`, which must reject. */
export async function timed(call: () => Promise<unknown>): Promise<Timed> {
  if (running++ === 0) {
    loop.reset();
    loop.enable();
  }
  const t0 = performance.now();
  try {
    await call();
  } catch (err) {
    return { err, ms: performance.now() - t0, lagMs: loop.max / 1e6 };
  } finally {
    if (--running === 0) loop.disable();
  }
  assert.fail("the call succeeded");
}

/**
 * `ms` is within 10% of `asked` (never before it), widened by the event loop's delay `lagMs` on either
 * side (a reaction takes a turn or two of the loop, and a measurement can start a turn late).
 */
export function within10(ms: number, asked: number, what: string, lagMs: number): void {
  assert.ok(
    ms >= asked - 5 - lagMs && ms <= asked * 1.1 + 2 * lagMs,
    `${what}: took ${ms.toFixed(0)} ms for ${asked} ms (event-loop delay meanwhile ${lagMs.toFixed(0)} ms)`,
  );
}
