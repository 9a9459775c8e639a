// client-go's testing reactors on the fake: watch reactors, the action copy the reactors share (a
// reactor that changes it and passes changes what the server stores), errors passed through as they
// are, client-go's verb names, and reactors that could never run refused when they are added.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isNotFound, StatusError } from "@org/rest";
import { newFakeClientset, WatchStream } from "./index.js";

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } };
const cm = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "web" },
  data: {},
});

test("a watch reactor serves the watch it returns; other resources still watch the server", async () => {
  const cs = newFakeClientset(ns, cm("a"));
  const stream = new WatchStream();
  cs.prependWatchReactor("configmaps", () => ({ handled: true, watch: stream }));
  stream.push({ type: "ADDED", object: { kind: "ConfigMap", metadata: { name: "from-reactor" } } });
  stream.close();
  const seen: string[] = [];
  for await (const ev of cs.coreV1().configMaps("web").watch())
    seen.push(`${ev.type} ${ev.object.metadata?.name}`);
  assert.deepEqual(seen, ["ADDED from-reactor"]);
  // Secrets are not covered: the server's watch answers, and sees a secret created after it.
  const w = cs.coreV1().secrets("web").watch();
  await cs
    .coreV1()
    .secrets("web")
    .create({ metadata: { name: "s" } });
  for await (const ev of w) {
    assert.equal(ev.object.metadata?.name, "s");
    w.stop();
  }
  assert.deepEqual(
    cs
      .actions()
      .filter((a) => a.verb === "watch")
      .map((a) => a.resource.resource),
    ["configmaps", "secrets"],
  );
});

test("a watch reactor's error is what the watch throws, as it is", async () => {
  const cs = newFakeClientset(ns);
  const injected = new StatusError(
    { code: 429, reason: "TooManyRequests", message: "slow down" },
    "GET",
    "/",
  );
  cs.addWatchReactor("*", () => ({ handled: true, error: injected }));
  await assert.rejects(
    (async () => {
      for await (const _ of cs.coreV1().pods("web").watch()) {
        // the watch throws before any event
      }
    })(),
    (e: unknown) => e === injected,
  );
});

test("an error a reactor returns reaches the caller as the same object, whatever its class", async () => {
  const cs = newFakeClientset(ns, cm("a"));
  class Injected extends Error {}
  const err = new Injected("disk on fire");
  cs.prependReactor("get", "configmaps", () => ({ handled: true, error: err }));
  await assert.rejects(cs.coreV1().configMaps("web").get("a"), (e: unknown) => e === err);
});

test("a reactor that changes the shared action and passes changes what the server stores", async () => {
  const cs = newFakeClientset(ns);
  const order: string[] = [];
  cs.addReactor("create", "configmaps", (action) => {
    order.push("first");
    (action.object as { data: Record<string, string> }).data.defaulted = "yes";
    return undefined;
  });
  cs.addReactor("create", "configmaps", (action) => {
    order.push("second");
    assert.equal((action.object as { data: Record<string, string> }).data.defaulted, "yes");
    return { handled: false };
  });
  const created = await cs
    .coreV1()
    .configMaps("web")
    .create({ metadata: { name: "b" }, data: { k: "v" } });
  assert.deepEqual(order, ["first", "second"]);
  assert.deepEqual(created.data, { k: "v", defaulted: "yes" });
  assert.deepEqual((await cs.coreV1().configMaps("web").get("b")).data, { k: "v", defaulted: "yes" });
  // The record keeps the request as it was sent, and is a copy.
  const recorded = cs.actions().find((a) => a.verb === "create")!;
  assert.deepEqual((recorded.object as { data: unknown }).data, { k: "v" });
  (recorded.object as { data: Record<string, string> }).data.k = "changed";
  assert.deepEqual((cs.actions().find((a) => a.verb === "create")!.object as { data: unknown }).data, {
    k: "v",
  });
});

test('deleteCollection is client-go\'s "delete-collection" verb; reactors for verbs that never run are refused', async () => {
  const cs = newFakeClientset(ns, cm("a"));
  let hits = 0;
  cs.prependReactor("delete-collection", "configmaps", () => {
    hits++;
    return undefined;
  });
  await cs.coreV1().configMaps("web").deleteCollection();
  assert.equal(hits, 1);
  await assert.rejects(cs.coreV1().configMaps("web").get("a"), isNotFound);
  assert.ok(cs.actions().some((a) => a.verb === "delete-collection"));
  assert.throws(() => cs.prependReactor("watch", "pods", () => undefined), /prependWatchReactor/);
  assert.throws(() => cs.addReactor("deletecollection", "pods", () => undefined), /"delete-collection"/);
  assert.throws(() => cs.addReactor("remove", "pods", () => undefined), /verb "remove" would never run/);
});

test("a reactor's `status`-shaped error becomes that Status; a watch reactor without a stream is an error", async () => {
  const cs = newFakeClientset(ns, cm("a"));
  cs.prependReactor("update", "configmaps", () => ({
    handled: true,
    error: { status: { code: 409, reason: "Conflict", message: "try again" } },
  }));
  await assert.rejects(
    cs
      .coreV1()
      .configMaps("web")
      .update({ metadata: { name: "a" } }),
    (e: unknown) => {
      const s = (e as { status: { code: number; reason: string } }).status;
      return s.code === 409 && s.reason === "Conflict";
    },
  );
  cs.prependWatchReactor("configmaps", () => ({ handled: true }));
  await assert.rejects(
    (async () => {
      for await (const _ of cs.coreV1().configMaps("web").watch()) {
        // never reached
      }
    })(),
    /without a WatchStream or an error/,
  );
});
