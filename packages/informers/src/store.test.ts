import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSelector, SelectorError, selectorFromSet } from "@org/clientset";
import { Backoff } from "./backoff.js";
import { newLister } from "./lister.js";
import {
  DeletedFinalStateUnknown,
  IndexError,
  Indexer,
  KeyError,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from "./store.js";
import { dropManagedFields } from "./transform.js";

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: { node?: string };
}
const o = (ns: string, name: string, node?: string, labels?: Record<string, string>): Obj => ({
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...(labels ? { labels } : {}) },
  ...(node ? { spec: { node } } : {}),
});

test("keys: namespace/name, name for cluster-scoped objects, tombstones give theirs", () => {
  assert.equal(metaNamespaceKeyFunc(o("web", "a")), "web/a");
  assert.equal(metaNamespaceKeyFunc(o("", "n1")), "n1");
  assert.equal(metaNamespaceKeyFunc(new DeletedFinalStateUnknown("web/x", o("web", "x"))), "web/x");
  assert.throws(() => metaNamespaceKeyFunc({ metadata: {} }), KeyError);
  assert.deepEqual(splitMetaNamespaceKey("web/a"), { namespace: "web", name: "a" });
  assert.deepEqual(splitMetaNamespaceKey("n1"), { namespace: "", name: "n1" });
  assert.throws(() => splitMetaNamespaceKey("a/b/c"), KeyError);
});

test("Indexer: objects stored as given, namespace index, custom index kept in step on update and delete", () => {
  const idx = new Indexer<Obj>({ byNode: (x) => (x.spec?.node ? [x.spec.node] : []) });
  const a = o("web", "a", "n1");
  idx.add(a);
  idx.add(o("web", "b", "n2"));
  idx.add(o("db", "c", "n1"));
  assert.equal(idx.getByKey("web/a"), a, "the very object, not a copy");
  assert.deepEqual(
    idx
      .byIndex("namespace", "web")
      .map((x) => x.metadata.name)
      .sort(),
    ["a", "b"],
  );
  assert.deepEqual(idx.indexKeys("byNode", "n1").sort(), ["db/c", "web/a"]);
  idx.update(o("web", "a", "n2"));
  assert.deepEqual(idx.indexKeys("byNode", "n1"), ["db/c"]);
  idx.update(o("web", "a", "n2")); // the same values: the key stays where it is
  assert.deepEqual(idx.indexKeys("byNode", "n2").sort(), ["web/a", "web/b"]);
  assert.deepEqual(idx.indexKeys("namespace", "web").sort(), ["web/a", "web/b"]);
  assert.deepEqual(
    idx
      .index("byNode", o("x", "y", "n2"))
      .map((x) => x.metadata.name)
      .sort(),
    ["a", "b"],
  );
  idx.delete(o("db", "c"));
  assert.deepEqual(idx.listIndexFuncValues("byNode"), ["n2"]);
  // cluster-scoped objects sit under "" in the namespace index, as with client-go's MetaNamespaceIndexFunc
  idx.add({ metadata: { name: "node-1" } } as Obj);
  assert.deepEqual(idx.indexKeys("namespace", ""), ["node-1"]);
  idx.delete({ metadata: { name: "node-1" } } as Obj);
  assert.deepEqual(idx.indexKeys("namespace", ""), []);
  assert.throws(
    () => idx.byIndex("nope", "x"),
    (e: Error) => e instanceof IndexError && /byNode/.test(e.message),
  );
  // an index added to a store that holds objects indexes them (client-go's AddIndexers since 0.30)
  idx.addIndexers({ byName: (x) => [x.metadata.name] });
  assert.deepEqual(idx.indexKeys("byName", "b"), ["web/b"]);
  assert.throws(
    () => idx.addIndexers({ byNode: () => [] }),
    (e: Error) => e instanceof IndexError && /indexer conflict.*"byNode"/.test(e.message),
  );
  assert.deepEqual(idx.indexKeys("byNode", "n2").sort(), ["web/a", "web/b"], "the old index is kept");
  assert.throws(() =>
    idx.addIndexers({
      first: () => [],
      broken: () => {
        throw new Error("boom");
      },
    }),
  );
  assert.throws(() => idx.byIndex("first", ""), IndexError, "an index function that throws adds no index");
  idx.replace([o("z", "q", "n9")]);
  assert.deepEqual(idx.listKeys(), ["z/q"]);
  assert.deepEqual(idx.indexKeys("byNode", "n9"), ["z/q"]);
  assert.deepEqual(idx.indexKeys("byNode", "n2"), []);
});

test("Indexer: a multi-valued index follows every value an update adds or removes", () => {
  const idx = new Indexer<Obj>({ byLabel: (x) => Object.values(x.metadata.labels ?? {}) });
  idx.add(o("web", "a", undefined, { app: "x", tier: "y" }));
  idx.update(o("web", "a", undefined, { app: "x", tier: "z" }));
  assert.deepEqual(idx.listIndexFuncValues("byLabel").sort(), ["x", "z"]);
  idx.update(o("web", "a", undefined, { app: "w" }));
  assert.deepEqual(idx.listIndexFuncValues("byLabel"), ["w"]);
  assert.deepEqual(idx.indexKeys("byLabel", "w"), ["web/a"]);
});

test("label selectors: the API server's syntax", () => {
  const s = parseSelector("app=web, tier!=db,env in (prod, staging),!canary,track");
  assert.equal(s.toString(), "app=web,tier!=db,env in (prod,staging),!canary,track");
  assert.ok(s.matches({ app: "web", env: "prod", track: "x" }));
  assert.ok(!s.matches({ app: "web", env: "dev", track: "x" }));
  assert.ok(!s.matches({ app: "web", env: "prod", track: "x", canary: "1" }));
  assert.ok(!s.matches({ app: "web", env: "prod", track: "x", tier: "db" }));
  assert.ok(!s.matches(undefined));
  assert.ok(parseSelector("").matches(undefined));
  assert.ok(parseSelector("a notin (x)").matches({}));
  assert.ok(parseSelector("a==1").matches({ a: "1" }));
  assert.ok(selectorFromSet({ a: "1", b: "2" }).matches({ a: "1", b: "2", c: "3" }));
  for (const bad of ["a in x", "=x", "a in (x", "a b"]) {
    assert.throws(
      () => parseSelector(bad),
      (e: Error) => e instanceof SelectorError && /^(unable to parse requirement|found)/.test(e.message),
    );
  }
});

test("listers: by selector, by namespace, by key", () => {
  const idx = new Indexer<Obj>();
  idx.add(o("web", "a", undefined, { app: "x" }));
  idx.add(o("web", "b", undefined, { app: "y" }));
  idx.add(o("db", "c", undefined, { app: "x" }));
  const l = newLister(idx);
  assert.deepEqual(
    l
      .list("app=x")
      .map((x) => x.metadata.name)
      .sort(),
    ["a", "c"],
  );
  assert.deepEqual(
    l
      .byNamespace("web")
      .list({ app: "x" })
      .map((x) => x.metadata.name),
    ["a"],
  );
  assert.equal(l.byNamespace("db").get("c")?.metadata.name, "c");
  assert.equal(l.get("web/b")?.metadata.name, "b");
  // "" is every namespace, as client-go's NamespaceAll; get finds nothing there, as in client-go
  assert.deepEqual(
    l
      .byNamespace("")
      .list({ app: "x" })
      .map((x) => x.metadata.name)
      .sort(),
    ["a", "c"],
  );
  assert.equal(l.byNamespace("").get("c"), undefined);
  assert.throws(() => l.byNamespace(undefined as unknown as string), TypeError);
});

test("backoff: doubles to the cap with up to 100% jitter, resets after a healthy period", () => {
  let now = 0;
  let r = 0;
  const b = new Backoff(
    {},
    () => r,
    () => now,
  );
  const seq = [];
  for (let i = 0; i < 8; i++) seq.push(b.nextDelayMs());
  assert.deepEqual(seq, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  r = 0.999;
  assert.ok(b.nextDelayMs() > 59_000, "jitter up to 2×");
  now += 120_001;
  r = 0;
  assert.equal(b.nextDelayMs(), 800, "reset after two healthy minutes");
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
});

test("dropManagedFields removes metadata.managedFields in place", () => {
  const obj = { metadata: { name: "a", managedFields: [{ manager: "x" }] } };
  assert.equal(dropManagedFields(obj), obj);
  assert.deepEqual(obj, { metadata: { name: "a" } });
});
