import assert from "node:assert/strict";
import { test } from "node:test";
import type { Watch, WatchEvent } from "@org/rest";
import { WaitTimeoutError, WatchClosedError, waitFor } from "./wait.js";

type Obj = { metadata: { name: string; resourceVersion: string }; ready?: boolean };

function ev(type: WatchEvent<Obj>["type"], rv: string, ready = false): WatchEvent<Obj> {
  return { type, object: { metadata: { name: "a", resourceVersion: rv }, ready } };
}

/** A watch over fixed events; with `hang`, it then waits until stopped. */
function fixedWatch(events: WatchEvent<Obj>[], hang = false): Watch<Obj> & { stopped: boolean } {
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
