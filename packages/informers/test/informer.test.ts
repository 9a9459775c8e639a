// Informers against the run's shared API server (nothing here disrupts it): initial sync and mixed
// writes with the exactly-once check, watch-list on the wire, handler isolation, the typed factory
// with listers and indexers, the dynamic factory, and metadata-only informers on 2,000 pods.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigMap, Pod } from "@org/api-types/core/v1";
import {
  Clientset,
  DynamicClient,
  MetadataClient,
  type PartialObjectMetadata,
  type RestInterface,
} from "@org/clientset";
import {
  DynamicSharedInformerFactory,
  dropManagedFields,
  MetadataSharedInformerFactory,
  SharedIndexInformer,
  SharedInformerFactory,
  waitForCacheSync,
} from "@org/informers";
import { buildRequest, RESTClient, type RequestSpec } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { adminConfig, compare, flush, Recorder, storeMatchesList, Writer } from "./support.js";

/** A RestInterface that passes everything to a real RESTClient and keeps every RequestSpec. */
function recording(rest: RESTClient): RestInterface & { specs: RequestSpec[] } {
  const specs: RequestSpec[] = [];
  const keep = <S extends RequestSpec>(s: S): S => {
    specs.push(s);
    return s;
  };
  return {
    specs,
    request: (s) => rest.request(keep(s)),
    requestText: (s) => rest.requestText(keep(s)),
    requestStream: (s) => rest.requestStream(keep(s)),
    watch: (s) => {
      specs.push({ ...s, query: { ...s.query, watch: true } });
      return rest.watch(s);
    },
  };
}

test("initial sync of 2,000 ConfigMaps, then 1,000 mixed writes: the store equals a fresh LIST and each handler saw every transition once, in order; watch-list on the wire", async (t) => {
  const cp = await getControlPlane();
  const ns = await createTestNamespace("inf-sync");
  t.after(ns.cleanup);
  const config = adminConfig(cp);
  const cs = Clientset.forConfig(config);
  const cms = cs.coreV1().configMaps(ns.name);
  const writer = new Writer(cms, "cm", 7);
  let t0 = Date.now();
  await writer.createMany(2000, 16);
  t.diagnostic(`created 2,000 ConfigMaps in ${Date.now() - t0} ms`);

  const rest = recording(RESTClient.forConfig(config));
  const factory = new SharedInformerFactory({ restClient: rest }, { namespace: ns.name });
  const informer = factory.coreV1().configMaps().informer();
  const fast = new Recorder();
  const slow = new Recorder(1); // async, 1 ms per notification: its queue runs behind, never blocks `fast`
  const regFast = informer.addEventHandler(fast);
  const regSlow = informer.addEventHandler(slow);
  const errors: unknown[] = [];
  informer.setWatchErrorHandler((e) => errors.push(e));
  const ac = new AbortController();
  t.after(() => ac.abort());
  t0 = Date.now();
  factory.start(ac.signal);
  const synced = await factory.waitForCacheSync(ac.signal);
  assert.deepEqual(synced, { "v1/configmaps": true });
  t.diagnostic(`informer synced 2,000 in ${Date.now() - t0} ms`);
  assert.ok(await waitForCacheSync(ac.signal, regFast, regSlow));
  assert.equal(await storeMatchesList(cms, informer.getIndexer().entries()), "");

  // Watch-list, as sent: one WATCH with sendInitialEvents, no LIST at all.
  const sent = rest.specs.map((s) => buildRequest(config, s));
  const first = sent[0]!;
  t.diagnostic(`first request: ${first.method} ${first.url}`);
  assert.match(first.url, /[?&]sendInitialEvents=true(&|$)/);
  assert.match(first.url, /[?&]resourceVersionMatch=NotOlderThan(&|$)/);
  assert.match(first.url, /[?&]allowWatchBookmarks=true(&|$)/);
  assert.match(first.url, /[?&]watch=true(&|$)/);
  assert.equal(sent.filter((d) => !/[?&]watch=true/.test(d.url)).length, 0, "a LIST was sent");
  assert.equal(informer.health().stats.watchListSyncs, 1);
  assert.equal(informer.health().watchList, true);

  t0 = Date.now();
  await writer.mixed(1000, 8);
  t.diagnostic(`1,000 mixed writes in ${Date.now() - t0} ms (${writer.retries} retries)`);
  await flush(writer, fast, "marker-fast");
  await flush(writer, slow, "marker-slow");
  assert.equal(await storeMatchesList(cms, informer.getIndexer().entries()), "");
  for (const [label, rec] of [
    ["fast", fast],
    ["slow", slow],
  ] as const) {
    const c = compare(writer, rec);
    t.diagnostic(`${label}: ${JSON.stringify({ ...c, details: c.details.slice(0, 5) })}`);
    assert.equal(c.lost, 0, c.details.join("\n"));
    assert.equal(c.duplicates, 0, c.details.join("\n"));
    assert.equal(c.skipped, 0, c.details.join("\n"));
    assert.equal(c.inconsistent, 0);
    assert.equal(rec.tombstones, 0);
  }
  assert.deepEqual(errors, []);
  assert.equal(informer.health().state, "watching");
});

test("a throwing handler and a stalled handler do not stop or delay the others; errors are reported", async (t) => {
  const cp = await getControlPlane();
  const ns = await createTestNamespace("inf-handlers");
  t.after(ns.cleanup);
  const cs = Clientset.forConfig(adminConfig(cp));
  const cms = cs.coreV1().configMaps(ns.name);
  const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps" });
  const handlerErrors: string[] = [];
  const throwingReg = informer.addEventHandler(
    {
      onAdd: (o) => {
        throw new Error(`boom ${o.metadata?.name}`);
      },
      onUpdate: () => Promise.reject(new Error("async boom")),
    },
    { onError: (e, n) => handlerErrors.push(`${n.type}: ${(e as Error).message}`) },
  );
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const stalled: string[] = [];
  const stalledReg = informer.addEventHandler({
    onAdd: async (o) => {
      stalled.push(o.metadata!.name!);
      await gate;
    },
  });
  const good = new Recorder();
  informer.addEventHandler(good);
  const ac = new AbortController();
  t.after(() => ac.abort());
  void informer.run(ac.signal);
  assert.ok(await informer.waitForSync(ac.signal));
  const writer = new Writer(cms, "h");
  for (let i = 0; i < 20; i++) await writer.create();
  await writer.update("h-3");
  await flush(writer, good, "h-last");
  const c = compare(writer, good);
  assert.deepEqual([c.lost, c.duplicates, c.skipped], [0, 0, 0], c.details.join("\n"));
  // The throwing handler failed on every add and the update, each reported; the stalled one is stuck
  // on its first notification with the rest queued. (The namespace also holds kube-root-ca.crt.)
  while (throwingReg.pending() > 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(handlerErrors.filter((e) => e.startsWith("add: boom h-")).length, 21);
  assert.ok(handlerErrors.includes("update: async boom"));
  assert.equal(stalled.length, 1);
  const before = stalledReg.pending();
  assert.ok(before >= 21, `pending ${before}`);
  release();
  while (stalledReg.pending() > 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stalled.filter((n) => n.startsWith("h-")).length, 21);
});

test("typed factory: listers by namespace and selector, a custom index, tweakListOptions, transform; the dynamic factory", async (t) => {
  const cp = await getControlPlane();
  const ns = await createTestNamespace("inf-factory");
  t.after(ns.cleanup);
  const config = adminConfig(cp);
  const cs = Clientset.forConfig(config);
  const cms = cs.coreV1().configMaps(ns.name);
  for (const [name, tier] of [
    ["a", "web"],
    ["b", "web"],
    ["c", "db"],
  ] as const) {
    await cms.create({ metadata: { name, labels: { app: "x", tier } }, data: { owner: `team-${tier}` } });
  }
  await cms.create({ metadata: { name: "other", labels: { app: "y" } } });

  const factory = new SharedInformerFactory(cs, {
    namespace: ns.name,
    tweakListOptions: (o) => {
      o.labelSelector = "app=x";
    },
    transform: dropManagedFields,
  });
  const cmInformer = factory.coreV1().configMaps();
  cmInformer.informer().addIndexers({ byOwner: (o) => (o.data?.owner ? [o.data.owner] : []) });
  assert.equal(factory.coreV1().configMaps(), cmInformer, "one informer per resource");
  const ac = new AbortController();
  t.after(() => ac.abort());
  factory.start(ac.signal);
  assert.deepEqual(await factory.waitForCacheSync(ac.signal), { "v1/configmaps": true });

  const lister = cmInformer.lister();
  assert.deepEqual(
    lister
      .list()
      .map((c) => c.metadata?.name)
      .sort(),
    ["a", "b", "c"],
  );
  assert.deepEqual(
    lister
      .configMaps(ns.name)
      .list("tier in (web)")
      .map((c) => c.metadata?.name)
      .sort(),
    ["a", "b"],
  );
  assert.deepEqual(
    lister
      .configMaps(ns.name)
      .list({ tier: "db" })
      .map((c) => c.metadata?.name),
    ["c"],
  );
  assert.equal(lister.configMaps(ns.name).get("a")?.data?.owner, "team-web");
  assert.equal(lister.configMaps(ns.name).get("other"), undefined, "filtered out by tweakListOptions");
  assert.equal(lister.get(`${ns.name}/c`)?.metadata?.name, "c");
  assert.deepEqual(cmInformer.informer().getIndexer().indexKeys("byOwner", "team-web").sort(), [
    `${ns.name}/a`,
    `${ns.name}/b`,
  ]);
  assert.equal(
    lister.configMaps(ns.name).get("a")?.metadata?.managedFields,
    undefined,
    "transform dropped managedFields",
  );
  assert.ok((await cms.get("a")).metadata?.managedFields?.length, "the server does send managedFields");

  // A resource asked for after start() starts at once.
  const podInformer = factory.coreV1().pods();
  podInformer.informer();
  assert.deepEqual(await factory.waitForCacheSync(ac.signal), { "v1/configmaps": true, "v1/pods": true });
  assert.deepEqual(podInformer.lister().pods(ns.name).list(), []);
  // @ts-expect-error cluster-scoped resources have no namespace lister method
  factory.coreV1().nodes().lister().nodes;
  // @ts-expect-error bindings cannot be listed or watched: no informer
  factory.coreV1().bindings;

  // The dynamic factory, the same data as unstructured objects.
  const dyn = new DynamicSharedInformerFactory(DynamicClient.forConfig(config), { namespace: ns.name });
  const gi = dyn.forResource({ group: "", version: "v1", resource: "configmaps" });
  gi.informer();
  dyn.start(ac.signal);
  assert.deepEqual(await dyn.waitForCacheSync(ac.signal), { "dynamic:v1/configmaps": true });
  assert.deepEqual(
    gi
      .lister()
      .byNamespace(ns.name)
      .list("app")
      .map((o) => o.metadata?.name)
      .sort(),
    ["a", "b", "c", "other"],
  );
});

test("metadata-only informer on 2,000 pods: PartialObjectMetadata, same names and resourceVersions as a full LIST", async (t) => {
  const cp = await getControlPlane();
  const ns = await createTestNamespace("inf-meta");
  t.after(ns.cleanup);
  const config = adminConfig(cp);
  const cs = Clientset.forConfig(config);
  const pods = cs.coreV1().pods(ns.name);
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < 2000) {
        const i = next++;
        await pods.create({
          metadata: { name: `p-${i}`, labels: { app: "meta", shard: String(i % 4) } },
          spec: {
            containers: [{ name: "c", image: "registry.example/app:1", args: ["--serve", "--port=8080"] }],
          },
        } as Pod);
      }
    }),
  );
  t.diagnostic(`created 2,000 pods in ${Date.now() - t0} ms`);

  const factory = new MetadataSharedInformerFactory(MetadataClient.forConfig(config), { namespace: ns.name });
  const gi = factory.forResource({ group: "", version: "v1", resource: "pods" });
  const informer = gi.informer();
  const adds: PartialObjectMetadata[] = [];
  informer.addEventHandler({ onAdd: (o) => void adds.push(o) });
  const ac = new AbortController();
  t.after(() => ac.abort());
  factory.start(ac.signal);
  assert.deepEqual(await factory.waitForCacheSync(ac.signal), { "metadata:v1/pods": true });

  const full = await pods.list();
  const stored = gi.lister().byNamespace(ns.name).list();
  assert.equal(stored.length, 2000);
  assert.deepEqual(
    new Map(stored.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!])),
    new Map(full.items.map((p) => [p.metadata!.name!, p.metadata!.resourceVersion!])),
  );
  const one = stored[0]!;
  assert.equal(one.kind, "PartialObjectMetadata");
  assert.equal(one.apiVersion, "meta.k8s.io/v1");
  assert.equal((one as { spec?: unknown }).spec, undefined);
  assert.equal(gi.lister().byNamespace(ns.name).list("shard=1").length, 500);
  const fullBytes = JSON.stringify(full.items).length;
  const metaBytes = JSON.stringify(stored).length;
  t.diagnostic(
    `JSON size of the stored objects: metadata-only ${metaBytes} B vs full ${fullBytes} B (${(metaBytes / fullBytes).toFixed(2)}×)`,
  );

  // Watch events arrive as PartialObjectMetadata too.
  const deleted = new Promise<unknown>((resolve) => informer.addEventHandler({ onDelete: resolve }));
  await pods.delete("p-7", { gracePeriodSeconds: 0 });
  const d = (await deleted) as PartialObjectMetadata;
  assert.equal(d.kind, "PartialObjectMetadata");
  assert.equal(d.metadata?.name, "p-7");
  assert.equal(adds.length, 2000);
});
