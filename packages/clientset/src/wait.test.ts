import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError, TransportError, type Watch, type WatchEvent } from "@org/rest";
import { WaitTimeoutError, WatchClosedError, waitFor } from "./wait.js";

type Obj = { metadata: { name: string; resourceVersion: string }; ready?: boolean };

function ev(type: WatchEvent<Obj>["type"], rv: string, ready = false): WatchEvent<Obj> {
  return { type, object: { metadata: { name: "a", resourceVersion: rv }, ready } };
}

/** A watch over fixed events; with `hang`, it then waits until stopped; with `fail`, it then throws that. */
function fixedWatch(
  events: WatchEvent<Obj>[],
  hang = false,
  fail?: unknown,
): Watch<Obj> & { stopped: boolean } {
  let wake = () => {};
  const w = {
    stopped: false,
    stop() {
      w.stopped = true;
      wake();
    },
    async *[Symbol.asyncIterator]() {
      for (const e of events) {
        if (w.stopped) return;
        yield e;
      }
      if (hang && !w.stopped) await new Promise<void>((r) => (wake = r));
      if (fail !== undefined && !w.stopped) throw fail;
    },
  };
  return w;
}

test("waitFor returns the first event that meets the condition and stops the watch", async () => {
  const w = fixedWatch([ev("ADDED", "1"), ev("MODIFIED", "2", true), ev("MODIFIED", "3", true)]);
  const got = await waitFor(w, (e) => e.object.ready === true);
  assert.equal(got.object.metadata.resourceVersion, "2");
  assert.equal(w.stopped, true);
});

test("waitFor with a factory resumes from the last resourceVersion when a watch ends", async () => {
  const starts: (string | undefined)[] = [];
  const got = await waitFor(
    (rv) => {
      starts.push(rv);
      return starts.length === 1 ? fixedWatch([ev("ADDED", "5")]) : fixedWatch([ev("MODIFIED", "9", true)]);
    },
    (e) => e.object.ready === true,
    { minRestartDelayMs: 0 },
  );
  assert.deepEqual(starts, [undefined, "5"]);
  assert.equal(got.object.metadata.resourceVersion, "9");
});

test("waitFor on a plain watch that ends throws WatchClosedError", async () => {
  await assert.rejects(
    waitFor(fixedWatch([ev("ADDED", "1")]), () => false),
    WatchClosedError,
  );
});

test("waitFor times out with WaitTimeoutError and stops the watch", async () => {
  const w = fixedWatch([ev("ADDED", "1")], true);
  await assert.rejects(
    waitFor(w, () => false, { timeoutMs: 20 }),
    (e) => e instanceof WaitTimeoutError && e.timeoutMs === 20,
  );
  assert.equal(w.stopped, true);
});

test("waitFor ends with the signal's reason when aborted", async () => {
  const w = fixedWatch([], true);
  const ac = new AbortController();
  const p = waitFor(w, () => false, { signal: ac.signal });
  ac.abort(new Error("cancelled"));
  await assert.rejects(p, /cancelled/);
  assert.equal(w.stopped, true);
});

const status = (code: number, reason: string, retryAfterSeconds?: number) =>
  new StatusError(
    {
      kind: "Status",
      code,
      reason,
      message: reason,
      ...(retryAfterSeconds === undefined ? {} : { details: { retryAfterSeconds } }),
    },
    "WATCH",
    "https://h/w",
  );
const reset = () =>
  new TransportError(
    "watch https://h/w: connection broken: read ECONNRESET",
    "https://h/w",
    new Error("reset"),
    {
      code: "ECONNRESET",
    },
  );

test("waitFor with a factory watches again from the last resourceVersion after a transient failure", async () => {
  // client-go's RetryWatcher: a broken connection, a stalled stream, 429/500/503/504 are retried
  for (const failure of [
    reset(),
    status(500, "InternalError"),
    status(504, "Timeout"),
    status(429, "TooManyRequests"),
  ]) {
    const starts: (string | undefined)[] = [];
    const got = await waitFor(
      (rv) => {
        starts.push(rv);
        return starts.length === 1
          ? fixedWatch([ev("ADDED", "5")], false, failure)
          : fixedWatch([ev("MODIFIED", "9", true)]);
      },
      (e) => e.object.ready === true,
      { minRestartDelayMs: 0 },
    );
    assert.deepEqual(starts, [undefined, "5"], String(failure));
    assert.equal(got.object.metadata.resourceVersion, "9");
  }
});

test("waitFor with a factory starts again from the current state after a 410 on a resumed watch", async () => {
  // the first watch's initial ADDED carried the object's own (old) resourceVersion; watching from it
  // again is Gone: an informer would list again, waitFor watches without a resourceVersion
  const starts: (string | undefined)[] = [];
  const got = await waitFor(
    (rv) => {
      starts.push(rv);
      if (starts.length === 1) return fixedWatch([ev("ADDED", "5")]);
      if (starts.length === 2) return fixedWatch([], false, status(410, "Expired"));
      return fixedWatch([ev("ADDED", "5"), ev("MODIFIED", "90", true)]);
    },
    (e) => e.object.ready === true,
    { minRestartDelayMs: 0 },
  );
  assert.deepEqual(starts, [undefined, "5", undefined]);
  assert.equal(got.object.metadata.resourceVersion, "90");
});

test("waitFor throws a 410 of the factory's first watch and errors that watching again cannot fix", async () => {
  for (const failure of [
    status(410, "Expired"),
    status(403, "Forbidden"),
    status(404, "NotFound"),
    status(400, "BadRequest"),
  ]) {
    let starts = 0;
    await assert.rejects(
      waitFor(
        () => {
          starts++;
          return fixedWatch([], false, failure);
        },
        () => false,
        { minRestartDelayMs: 0 },
      ),
      (e) => e === failure,
    );
    assert.equal(starts, 1, String(failure));
  }
  // a plain watch is not retried either
  const plain = reset();
  await assert.rejects(
    waitFor(fixedWatch([ev("ADDED", "1")], false, plain), () => false),
    (e) => e === plain,
  );
});

test("waitFor does not re-create watches that end at once sooner than minRestartDelayMs after the last start", async () => {
  // Each start is timed when the factory returns; the first takes 5 ms, so a delay counted from when
  // that call began would start the second watch 95 ms after it.
  const startedAt: number[] = [];
  await assert.rejects(
    waitFor(
      () => {
        const t0 = Date.now();
        while (startedAt.length === 0 && Date.now() - t0 < 5);
        startedAt.push(Date.now());
        return fixedWatch([]);
      },
      () => false,
      { timeoutMs: 1000, minRestartDelayMs: 100 },
    ),
    WaitTimeoutError,
  );
  // At most one start per 100 ms; at least a second one (unless the process stalled for a second).
  assert.ok(startedAt.length >= 2 && startedAt.length <= 11, `${startedAt.length} watches`);
  for (let i = 1; i < startedAt.length; i++)
    assert.ok(
      startedAt[i]! - startedAt[i - 1]! >= 100,
      `started ${startedAt[i]! - startedAt[i - 1]!}ms apart`,
    );
  // with no delay at all, the timeout still fires: re-creating a watch yields to the event loop
  await assert.rejects(
    waitFor(
      () => fixedWatch([]),
      () => false,
      { timeoutMs: 50, minRestartDelayMs: 0 },
    ),
    WaitTimeoutError,
  );
});

test("waitFor waits the Retry-After of a 429 before watching again", async () => {
  const startedAt: number[] = [];
  await waitFor(
    () => {
      startedAt.push(Date.now());
      return startedAt.length === 1
        ? fixedWatch([], false, status(429, "TooManyRequests", 1))
        : fixedWatch([ev("ADDED", "2", true)]);
    },
    (e) => e.object.ready === true,
    { minRestartDelayMs: 0 },
  );
  assert.equal(startedAt.length, 2);
  assert.ok(startedAt[1]! - startedAt[0]! >= 950, `watched again after ${startedAt[1]! - startedAt[0]!}ms`);
});

test("a WaitTimeoutError says what the watch kept failing with", async () => {
  const failure = reset();
  await assert.rejects(
    waitFor(
      () => fixedWatch([], false, failure),
      () => false,
      { timeoutMs: 150, minRestartDelayMs: 20 },
    ),
    (e) =>
      e instanceof WaitTimeoutError &&
      e.lastError === failure &&
      e.cause === failure &&
      /the watch failed and was not yet back \(last failure: watch https:\/\/h\/w: connection broken: read ECONNRESET\)/.test(
        e.message,
      ),
  );
});
