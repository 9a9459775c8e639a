// API errors as the real server sends them: 404, 409 (then retryOnConflict), 422 with field causes,
// 403 for a user without RBAC rights.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isConflict, isForbidden, isInvalid, isNotFound, RESTClient, StatusError } from "@org/rest";
import { createTestNamespace } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { retryOnConflict } from "../src/retry.js";
import { configMap, env, tokenConfig } from "./support.js";

test("a missing object is a 404 StatusError: isNotFound", async (t) => {
  const ns = await createTestNamespace("cs-err404");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const err = await cms.get("nope").then(
    () => assert.fail("expected 404"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StatusError);
  assert.ok(isNotFound(err));
  assert.equal(err.code, 404);
  assert.equal(err.status?.details?.name, "nope");
  await assert.rejects(cms.delete("nope"), isNotFound);
});

test("an update with a stale resourceVersion is a conflict; retryOnConflict then succeeds", async (t) => {
  const ns = await createTestNamespace("cs-err409");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const v1 = await cms.create(configMap("counter", { n: "0" }));
  const stale = structuredClone(v1);
  v1.data!.n = "1";
  await cms.update(v1);
  stale.data!.n = "stale";
  await assert.rejects(cms.update(stale), isConflict);

  let attempts = 0;
  const result = await retryOnConflict(async () => {
    attempts++;
    // The first attempt uses the stale copy (a lost race); the next ones read the current object.
    const cur = attempts === 1 ? stale : await cms.get("counter");
    cur.data!.n = String(Number(cur.data?.n === "stale" ? "1" : cur.data?.n) + 1);
    return cms.update(cur);
  });
  assert.equal(attempts, 2);
  assert.equal(result.data?.n, "2");
  assert.equal((await cms.get("counter")).data?.n, "2");
});

test("an invalid object is a 422: isInvalid, with the field causes", async (t) => {
  const ns = await createTestNamespace("cs-err422");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const err = await cms.create(configMap("Not_A_Valid_Name")).then(
    () => assert.fail("expected 422"),
    (e: unknown) => e,
  );
  assert.ok(isInvalid(err));
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 422);
  const causes = err.status?.details?.causes ?? [];
  assert.ok(
    causes.some((c) => c.field === "metadata.name" && c.reason === "FieldValueInvalid"),
    `causes: ${JSON.stringify(causes)}`,
  );
  const pods = new Clientset(rest).coreV1().pods(ns.name);
  const podErr = await pods.create({ metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } }).then(
    () => assert.fail("expected 422"),
    (e: unknown) => e,
  );
  assert.ok(isInvalid(podErr));
  assert.ok(
    (podErr as StatusError).status?.details?.causes?.some((c) => c.field === "spec.containers[0].image"),
    "the missing image is named",
  );
});

test("the unprivileged token user gets 403: isForbidden", async (t) => {
  const ns = await createTestNamespace("cs-err403");
  t.after(ns.cleanup);
  const { cp } = await env();
  const bob = RESTClient.forConfig(tokenConfig(cp, cp.users.tokenUser.token!));
  const cms = new Clientset(bob).coreV1().configMaps(ns.name);
  const err = await cms.list().then(
    () => assert.fail("expected 403"),
    (e: unknown) => e,
  );
  assert.ok(isForbidden(err));
  assert.equal((err as StatusError).code, 403);
  assert.match((err as StatusError).status?.message ?? "", /bob/);
  await assert.rejects(cms.create(configMap("x")), isForbidden);
});

test("delete preconditions: a wrong uid or resourceVersion is a conflict, the right ones delete", async (t) => {
  const ns = await createTestNamespace("cs-precond");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const cm = await cms.create(configMap("guarded"));
  await assert.rejects(
    cms.delete("guarded", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
    isConflict,
  );
  await assert.rejects(cms.delete("guarded", { preconditions: { resourceVersion: "1" } }), isConflict);
  assert.equal((await cms.get("guarded")).metadata?.uid, cm.metadata?.uid, "still there");
  await cms.delete("guarded", {
    preconditions: { uid: cm.metadata?.uid, resourceVersion: cm.metadata?.resourceVersion },
    gracePeriodSeconds: 0,
  });
  await assert.rejects(cms.get("guarded"), isNotFound);
});
