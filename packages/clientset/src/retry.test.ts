import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "@org/rest";
import { DefaultRetry, onError, retryOnConflict } from "./retry.js";

function conflict(): StatusError {
  return new StatusError(
    {
      kind: "Status",
      status: "Failure",
      reason: "Conflict",
      code: 409,
      message: "the object has been modified",
    },
    "PUT",
    "https://k8s.test/api/v1/namespaces/a/configmaps/b",
  );
}

test("retryOnConflict runs again after a conflict and returns the result", async () => {
  let runs = 0;
  const out = await retryOnConflict(async () => {
    runs++;
    if (runs < 3) throw conflict();
    return "done";
  });
  assert.equal(out, "done");
  assert.equal(runs, 3);
});

test("retryOnConflict gives up after DefaultRetry.steps runs with the last conflict", async () => {
  let runs = 0;
  await assert.rejects(
    retryOnConflict(async () => {
      runs++;
      throw conflict();
    }),
    (e) => e instanceof StatusError && e.code === 409,
  );
  assert.equal(runs, DefaultRetry.steps);
});

test("retryOnConflict does not retry other errors", async () => {
  let runs = 0;
  await assert.rejects(
    retryOnConflict(async () => {
      runs++;
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(runs, 1);
});

test("onError stops waiting when the signal aborts", async () => {
  const ac = new AbortController();
  let runs = 0;
  const p = onError(
    { steps: 10, durationMs: 60_000, factor: 1, jitter: 0 },
    () => true,
    async () => {
      runs++;
      throw new Error("again");
    },
    { signal: ac.signal },
  );
  ac.abort(new Error("stopped by caller"));
  await assert.rejects(p, /stopped by caller/);
  assert.equal(runs, 1);
});
