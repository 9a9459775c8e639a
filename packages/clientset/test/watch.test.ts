// Watch: from a resourceVersion it sees every create/update/delete in order; from a compacted
// (very old) resourceVersion it fails with 410 Gone; waitFor on a real watch.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigMap } from "@org/api-types/core/v1";
import { isGone, StatusError, type WatchEvent } from "@org/rest";
import { createTestNamespace } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { waitFor } from "../src/wait.js";
import { configMap, env, installCRD } from "./support.js";

test("a watch from a resourceVersion sees every create, update and delete in order", async (t) => {
  const ns = await createTestNamespace("cs-watch");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const start = (await cms.list({ labelSelector: "w=1" })).metadata?.resourceVersion;
  assert.ok(start);

  // The changes happen before the watch starts: it replays them from `start`.
  const a = await cms.create(configMap("a", { v: "1" }, { w: "1" }));
  await cms.create(configMap("b", { v: "1" }, { w: "1" }));
  a.data!.v = "2";
  await cms.update(a);
  await cms.delete("b");
  await cms.create(configMap("not-watched", {}, { w: "0" }));
  await cms.delete("a");

  const w = cms.watch({ resourceVersion: start, labelSelector: "w=1" });
  const events: WatchEvent<ConfigMap>[] = [];
  for await (const ev of w) {
    events.push(ev);
    if (events.length === 5) w.stop();
  }
  assert.deepEqual(
    events.map((e) => [e.type, e.object.metadata?.name, e.object.data?.v]),
    [
      ["ADDED", "a", "1"],
      ["ADDED", "b", "1"],
      ["MODIFIED", "a", "2"],
      ["DELETED", "b", "1"],
      ["DELETED", "a", "2"],
    ],
  );
  const rvs = events.map((e) => BigInt(e.object.metadata?.resourceVersion ?? "0"));
  assert.ok(
    rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!),
    "resourceVersions increase",
  );

  // Resuming from the last event seen gets only what came after it.
  const resumeFrom = events[2]!.object.metadata?.resourceVersion;
  const w2 = cms.watch({ resourceVersion: resumeFrom, labelSelector: "w=1" });
  const rest2: string[] = [];
  for await (const ev of w2) {
    rest2.push(`${ev.type} ${ev.object.metadata?.name}`);
    if (rest2.length === 2) w2.stop();
  }
  assert.deepEqual(rest2, ["DELETED b", "DELETED a"]);
});

test("a watch from a compacted resourceVersion fails with 410 Gone (isGone)", async (t) => {
  const ns = await createTestNamespace("cs-watch-gone");
  t.after(ns.cleanup);
  const e = await env();
  // Compact etcd's history up to revision 10 (long past on a running control plane, so no other
  // test's resourceVersions or continue tokens are affected): resourceVersion 2 is then gone.
  const res = await fetch(`${e.cp.etcdURL}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision: "10", physical: true }),
  });
  const text = await res.text();
  assert.ok(res.ok || /compacted/.test(text), `etcd compaction: ${res.status} ${text}`);
  // A custom resource's watch cache starts when its CRD is installed, so it cannot serve revision 2
  // either (a built-in resource's cache may still hold it from the server's start).
  const crd = await installCRD(e, "gone.clientset.test", "Widget", "widgets");
  t.after(crd.remove);
  const widgets = e.dynamic.resource(crd.gvr).namespace(ns.name);
  await widgets.create({ apiVersion: "gone.clientset.test/v1", kind: "Widget", metadata: { name: "x" } });
  const w = widgets.watch({ resourceVersion: "2" });
  const err = await (async () => {
    for await (const _ of w) {
      /* no event may arrive before the error */
    }
  })().then(
    () => assert.fail("the watch must fail"),
    (err: unknown) => err,
  );
  w.stop();
  assert.ok(isGone(err), String(err));
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 410);
  assert.match(err.status?.message ?? "", /too old resource version: 2/);
});

test("waitFor reads a real watch until the condition holds", async (t) => {
  const ns = await createTestNamespace("cs-waitfor");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const start = (await cms.list()).metadata?.resourceVersion;
  const waiting = waitFor(
    (rv) => cms.watch({ fieldSelector: "metadata.name=flag", resourceVersion: rv ?? start }),
    (ev) => ev.object.data?.ready === "true",
    { timeoutMs: 60_000 },
  );
  const flag = await cms.create(configMap("flag", { ready: "false" }));
  flag.data!.ready = "true";
  const updated = await cms.update(flag);
  const ev = await waiting;
  assert.equal(ev.type, "MODIFIED");
  assert.equal(ev.object.metadata?.resourceVersion, updated.metadata?.resourceVersion);
});

test("an AbortSignal cancels calls and ends watches", async (t) => {
  const ns = await createTestNamespace("cs-abort");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const aborted = new AbortController();
  aborted.abort(new Error("caller gave up"));
  await assert.rejects(cms.list({ signal: aborted.signal }), /caller gave up/);
  await assert.rejects(cms.create(configMap("never"), { signal: aborted.signal }), /caller gave up/);
  await assert.rejects(cms.get("never"), (e) => (e as StatusError).code === 404, "nothing was created");

  const ac = new AbortController();
  const w = cms.watch({ signal: ac.signal });
  await cms.create(configMap("one"));
  const seen: string[] = [];
  const ended = await (async () => {
    for await (const ev of w) {
      seen.push(`${ev.type} ${ev.object.metadata?.name}`);
      if (ev.object.metadata?.name === "one") ac.abort();
    }
    return "ended";
  })().catch((e: unknown) => (e as Error).name);
  assert.ok(seen.includes("ADDED one"), seen.join(", "));
  assert.ok(ended === "ended" || ended === "AbortError", `the watch ended: ${ended}`);
});

test("waitFor with a factory resumes after the server closes a watch", async (t) => {
  const ns = await createTestNamespace("cs-waitfor-resume");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const seed = await cms.create(configMap("flag", { ready: "false" }));
  const starts: (string | undefined)[] = [];
  let resumed!: () => void;
  const secondWatch = new Promise<void>((r) => (resumed = r));
  const waiting = waitFor(
    (rv) => {
      starts.push(rv);
      if (starts.length === 2) resumed();
      // The server ends each of these watches after a second.
      return cms.watch({
        fieldSelector: "metadata.name=flag",
        resourceVersion: rv ?? seed.metadata?.resourceVersion,
        timeoutSeconds: 1,
      });
    },
    (ev) => ev.object.data?.ready === "true",
  );
  await secondWatch; // the first watch was closed by the server and waitFor opened another
  seed.data!.ready = "true";
  const updated = await cms.update(seed);
  const ev = await waiting;
  assert.equal(ev.object.metadata?.resourceVersion, updated.metadata?.resourceVersion);
  assert.ok(starts.length >= 2);
});
