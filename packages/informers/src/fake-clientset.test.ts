// An informer over @org/clientset/fake: the factory, the reflector's watch-list (sendInitialEvents
// and the initial-events-end bookmark), event handlers and listers run unchanged on the fake.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigMap } from "@org/api-types/core/v1";
import { DynamicClient, groupVersions, MetadataClient } from "@org/clientset";
import { newFakeClientset } from "@org/clientset/fake";
import {
  DynamicSharedInformerFactory,
  MetadataSharedInformerFactory,
  SharedInformerFactory,
} from "./factory.js";

test("a SharedInformerFactory informer syncs from the fake and follows its changes", async (t) => {
  const cs = newFakeClientset(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed", namespace: "web" }, data: { k: "0" } },
  );
  const factory = new SharedInformerFactory(cs, { namespace: "web" });
  const informer = factory.coreV1().configMaps().informer();
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o: ConfigMap, initial) => void seen.push(`add ${o.metadata?.name}${initial ? " (initial)" : ""}`),
    onUpdate: (_old: ConfigMap, o: ConfigMap) => void seen.push(`update ${o.metadata?.name} ${o.data?.k}`),
    onDelete: (o) => void seen.push(`delete ${(o as ConfigMap).metadata?.name ?? "tombstone"}`),
  });
  const ac = new AbortController();
  t.after(() => ac.abort());
  factory.start(ac.signal);
  assert.deepEqual(await factory.waitForCacheSync(ac.signal), { "v1/configmaps": true });
  const cms = cs.coreV1().configMaps("web");
  await cms.update({ metadata: { name: "seed" }, data: { k: "1" } });
  await cms.create({ metadata: { name: "new" }, data: {} });
  await cms.delete("seed");
  for (let i = 0; i < 200 && seen.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, [
    "add kube-root-ca.crt (initial)",
    "add seed (initial)",
    "update seed 1",
    "add new",
    "delete seed",
  ]);
  const lister = factory.coreV1().configMaps().lister();
  assert.deepEqual(
    lister
      .list()
      .map((o) => o.metadata?.name)
      .sort(),
    ["kube-root-ca.crt", "new"],
  );
  const watches = cs.actions().filter((a) => a.verb === "watch");
  assert.equal(watches[0]?.query.sendInitialEvents, "true", "the reflector used watch-list on the fake");
});

test("forResource registers the informer at once: start() runs it and waitForCacheSync() waits for it", async (t) => {
  const cs = newFakeClientset(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "web" } },
  );
  const ac = new AbortController();
  t.after(() => ac.abort());
  const gvr = { group: "", version: "v1", resource: "configmaps" };
  const dynamic = new DynamicSharedInformerFactory(new DynamicClient(cs.restClient), { namespace: "web" });
  const metadata = new MetadataSharedInformerFactory(new MetadataClient(cs.restClient), { namespace: "web" });
  // client-go's pattern: ForResource first, Start, WaitForCacheSync, and only then Lister().
  const cms = dynamic.forResource(gvr);
  const metas = metadata.forResource(gvr);
  dynamic.start(ac.signal);
  metadata.start(ac.signal);
  assert.deepEqual(await dynamic.waitForCacheSync(ac.signal), { "dynamic:v1/configmaps": true });
  assert.deepEqual(await metadata.waitForCacheSync(ac.signal), { "metadata:v1/configmaps": true });
  const names = (l: { list(): { metadata?: { name?: string } }[] }) =>
    l
      .list()
      .map((o) => o.metadata?.name)
      .sort();
  assert.deepEqual(names(cms.lister()), ["a", "kube-root-ca.crt"]);
  assert.deepEqual(names(metas.lister()), ["a", "kube-root-ca.crt"]);
  assert.equal(dynamic.forResource(gvr).informer(), cms.informer(), "one informer per resource");
});

test("start() after the first signal aborted runs the informers not started yet; unstarted ones are not reported", async (t) => {
  const cs = newFakeClientset({ apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } });
  const factory = new SharedInformerFactory(cs, { namespace: "web" });
  const first = new AbortController();
  factory.start(first.signal);
  first.abort();
  await factory.shutdown();
  const late = factory.coreV1().configMaps().informer();
  assert.equal(late.isRunning(), false, "the aborted signal starts nothing");
  // asked for but not started: left out, as client-go's WaitForCacheSync leaves it out
  assert.deepEqual(await factory.waitForCacheSync(AbortSignal.timeout(1000)), {});
  const second = new AbortController();
  t.after(() => second.abort());
  factory.start(second.signal);
  assert.equal(late.isRunning(), true);
  assert.deepEqual(await factory.waitForCacheSync(second.signal), { "v1/configmaps": true });
});

test("a factory given a generated package's groupVersions serves those groups beside the built-in ones", async (t) => {
  const cs = newFakeClientset({ apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } });
  // A generated CRD package's table has the same shape; core v1 under another method name stands in.
  const extra = { otherV1: groupVersions.coreV1! };
  const factory = new SharedInformerFactory(cs, { namespace: "web" }, extra) as SharedInformerFactory & {
    otherV1(): ReturnType<SharedInformerFactory["coreV1"]>;
  };
  assert.equal(typeof factory.coreV1, "function", "the built-in groups stay");
  assert.equal(
    factory.otherV1().configMaps().informer(),
    factory.coreV1().configMaps().informer(),
    "one informer per resource",
  );
  const ac = new AbortController();
  t.after(() => ac.abort());
  factory.start(ac.signal);
  assert.deepEqual(await factory.waitForCacheSync(ac.signal), { "v1/configmaps": true });
});
