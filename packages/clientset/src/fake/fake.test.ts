// The fake clientset's own behaviour where the real server cannot be the oracle in a test run:
// client-go's testing hooks (reactors, recorded actions), the history window (410 Gone), seeding,
// and the clients above the transport (typed, dynamic, discovery, RESTMapper) running unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isGone, isNotFound, PatchType, StatusError } from "@org/rest";
import { DynamicClient } from "../dynamic/index.js";
import { parseSelector } from "../labels.js";
import { DeferredRESTMapper } from "../restmapper/index.js";
import { newFakeClientset, newFakeClientsetWithOptions, type SchemaTable } from "./index.js";

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } };
const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "web" },
  data,
});

test("seeded objects are served with identity, and lists see them", async () => {
  const cs = newFakeClientset(ns, cm("a", { k: "v" }));
  const a = await cs.coreV1().configMaps("web").get("a");
  assert.equal(a.data?.k, "v");
  assert.match(a.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
  assert.match(a.metadata?.resourceVersion ?? "", /^\d+$/);
  const inWeb = await cs.coreV1().configMaps("web").list();
  assert.deepEqual(inWeb.items.map((i) => i.metadata?.name).sort(), ["a", "kube-root-ca.crt"]);
  // As in a new cluster: the system namespaces exist, each with its default ServiceAccount.
  const nss = await cs.coreV1().namespaces().list();
  assert.deepEqual(
    nss.items.map((n) => n.metadata?.name),
    ["default", "kube-node-lease", "kube-public", "kube-system", "web"],
  );
  await cs.coreV1().serviceAccounts("default").get("default");
  await cs
    .coreV1()
    .pods("default")
    .create({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } });
});

test("a seed object without apiVersion/kind is refused with a message naming it", () => {
  assert.throws(
    () => newFakeClientset({ metadata: { name: "x" } }),
    /cannot store .*"x".*apiVersion, kind and metadata.name/,
  );
});

test("prependReactor injects an error for one verb and resource; actions() records every request", async () => {
  const cs = newFakeClientset(ns, cm("a"));
  cs.prependReactor("get", "configmaps", (action) =>
    action.name === "boom"
      ? {
          handled: true,
          error: new StatusError({ code: 500, reason: "InternalError", message: "injected" }, "GET", "/"),
        }
      : undefined,
  );
  await assert.rejects(
    cs.coreV1().configMaps("web").get("boom"),
    (e: unknown) => e instanceof StatusError && e.code === 500 && e.status.message === "injected",
  );
  await cs.coreV1().configMaps("web").get("a"); // not handled: the server answers
  await assert.rejects(cs.coreV1().configMaps("web").get("nope"), isNotFound);
  cs.prependReactor("create", "*", () => ({
    handled: true,
    object: { kind: "ConfigMap", metadata: { name: "faked" } },
  }));
  const created = await cs
    .coreV1()
    .configMaps("web")
    .create({ metadata: { name: "real" } });
  assert.equal(created.metadata?.name, "faked");
  const actions = cs.actions().map((a) => [a.verb, a.resource.resource, a.namespace, a.name]);
  assert.deepEqual(actions, [
    ["get", "configmaps", "web", "boom"],
    ["get", "configmaps", "web", "a"],
    ["get", "configmaps", "web", "nope"],
    ["create", "configmaps", "web", ""],
  ]);
  // what the typed client sent: the object with its type's apiVersion and kind
  assert.deepEqual(cs.actions()[3]!.object, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "real" },
  });
  cs.clearActions();
  assert.deepEqual(cs.actions(), []);
});

test("a watch from before the history window is 410 Gone (Expired); a list at such a resourceVersion too", async () => {
  const cs = newFakeClientsetWithOptions({ historyWindow: 3 }, ns);
  const cms = cs.coreV1().configMaps("web");
  const first = await cms.create({ metadata: { name: "a" }, data: {} });
  for (let i = 0; i < 5; i++) await cms.update({ metadata: { name: "a" }, data: { i: String(i) } });
  const w = cms.watch({ resourceVersion: first.metadata!.resourceVersion! });
  await assert.rejects(
    (async () => {
      for await (const _ of w) {
        // the first thing the watch yields is the error
      }
    })(),
    (e: unknown) =>
      isGone(e) &&
      e instanceof StatusError &&
      e.reason === "Expired" &&
      /too old resource version/.test(e.message),
  );
  await assert.rejects(
    cms.list({ resourceVersion: first.metadata!.resourceVersion!, resourceVersionMatch: "Exact" }),
    isGone,
  );
});

test("the dynamic client, discovery and the RESTMapper run on the fake, CRDs included", async () => {
  const cs = newFakeClientset(ns);
  const dyn = new DynamicClient(cs.restClient);
  await dyn
    .resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" })
    .create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "crontabs.stable.example.com" },
      spec: {
        group: "stable.example.com",
        scope: "Namespaced",
        names: { plural: "crontabs", singular: "crontab", kind: "CronTab", shortNames: ["ct"] },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object" } },
            subresources: { status: {} },
          },
        ],
      },
    });
  const mapper = new DeferredRESTMapper(cs.discovery());
  const m = await mapper.restMapping({ group: "stable.example.com", kind: "CronTab" });
  assert.equal(m.resource.resource, "crontabs");
  assert.equal(m.scope, "namespace");
  const ct = dyn
    .resource({ group: "stable.example.com", version: "v1", resource: "crontabs" })
    .namespace("web");
  const made = await ct.create({
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: "c" },
    spec: { x: 1 },
  });
  assert.equal(made.metadata?.generation, 1);
  const pods = await cs.discovery().serverResourcesForGroupVersion("v1");
  assert.ok(pods.resources.some((r) => r.name === "pods/status"));
});

test("label selectors: the full syntax", () => {
  const m = (s: string, labels: Record<string, string>) => parseSelector(s).matches(labels);
  assert.equal(m("a=1,b!=2", { a: "1" }), true);
  assert.equal(m("a in (1, 2),!c", { a: "2", c: "x" }), false);
  assert.equal(m("a notin (1)", {}), true);
  assert.equal(m("n>3,n<10", { n: "5" }), true);
  assert.equal(m("example.com/a", { "example.com/a": "" }), true);
  assert.throws(() => parseSelector("a in (x"), /unable to parse requirement/);
  assert.throws(() => parseSelector("a=b c"), /found 'c'/);
});

test("a watch that allows bookmarks gets periodic ones with the latest resourceVersion", async () => {
  const cs = newFakeClientsetWithOptions({ bookmarkIntervalMs: 20 }, ns);
  const cms = cs.coreV1().configMaps("web");
  const a = await cms.create({ metadata: { name: "a" }, data: {} });
  const w = cms.watch({ resourceVersion: a.metadata!.resourceVersion!, allowWatchBookmarks: true });
  await cms.create({ metadata: { name: "b" }, data: {} });
  const seen: string[] = [];
  for await (const ev of w) {
    seen.push(ev.type);
    if (ev.type === "BOOKMARK") {
      assert.equal(ev.object.metadata?.resourceVersion, String(cs.server.store.rv));
      break;
    }
  }
  w.stop();
  assert.deepEqual(seen, ["ADDED", "BOOKMARK"]);
});

// A custom resource's field named like a member of Object.prototype (listed in the schema table or
// not) behaves as any other field: the same steps give the same objects, managedFields and errors as
// with a plain name. (The table is looked up by own properties, and objects get own keys.)
test("a custom resource's fields named constructor, toString or __proto__ apply, patch and merge as any other", async () => {
  const run = async (f: string) => {
    const item = {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, v: { type: "integer" } },
    };
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.ex.com" },
      spec: {
        group: "ex.com",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: {
                      [f]: {
                        type: "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        items: item,
                      },
                      m: { type: "object", additionalProperties: { type: "string" } },
                      u: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                      d: { type: "object", properties: { [f]: { type: "string", default: "dflt" } } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    // Built with defineProperty so that "__proto__" is an own key as the generated table would have it.
    const fields = (entries: [string, object][]) => {
      const o: Record<string, object> = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true });
      return o;
    };
    const table: SchemaTable = {
      types: {
        W: {
          apiVersion: {},
          kind: {},
          metadata: { ref: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
          spec: { ref: "WS" },
        },
        WS: fields([
          [f, { list: "map", keys: ["name"], ref: "WI" }],
          ["m", { map: true }],
          ["u", { ref: "WU" }],
          ["d", { ref: "WD" }],
        ]),
        WI: { name: {}, v: {} },
        WU: { x: {} },
        WD: fields([[f, {}]]),
      },
      roots: { "ex.com/v1/Widget": "W" },
    };
    const fake = newFakeClientsetWithOptions({ schemas: [table] }, crd);
    const r = new DynamicClient(fake.restClient)
      .resource({ group: "ex.com", version: "v1", resource: "widgets" })
      .namespace("default");
    const out: unknown[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: custom resources
    const step = async (p: Promise<Record<string, any>>) => {
      try {
        const o = await p;
        out.push([
          o.spec,
          o.metadata.managedFields.map((m: Record<string, unknown>) => [m.manager, m.fieldsV1]),
        ]);
      } catch (e) {
        out.push((e as StatusError).status?.message ?? String(e));
      }
    };
    const w = (spec: string) =>
      JSON.parse(`{"apiVersion":"ex.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":${spec}}`);
    const q = JSON.stringify(f);
    await step(
      r.apply(w(`{${q}:[{"name":"a","v":1}],"m":{${q}:"x","o":"y"},"d":{}}`), { fieldManager: "one" }),
    );
    await step(r.apply(w(`{${q}:[{"name":"b","v":2}]}`), { fieldManager: "two" }));
    await step(r.apply(w(`{${q}:[{"name":"a","v":3}]}`), { fieldManager: "two" }));
    await step(r.patch("w", PatchType.Merge, JSON.parse(`{"spec":{"m":{${q}:null,"z":"1"}}}`)));
    await step(r.patch("w", PatchType.Merge, JSON.parse(`{"spec":{"m":{${q}:"again"},"u":{${q}:{"q":1}}}}`)));
    await step(
      r.patch("w", PatchType.JSON, [
        { op: "remove", path: `/spec/m/${f}` },
        { op: "add", path: `/spec/m/${f}`, value: "j" },
        { op: "test", path: `/spec/m/${f}`, value: "j" },
      ]),
    );
    await step(r.apply(w(`{"u":{${q}:[1],"x":{"a":1}}}`), { fieldManager: "three" }));
    await step(r.apply(w(`{"u":{${q}:[2],"x":{"b":1}}}`), { fieldManager: "four" }));
    return JSON.stringify(out).replaceAll(f, "FIELD");
  };
  const plain = await run("plain");
  assert.match(plain, /conflict with \\"one\\": .spec.FIELD\[name=\\"a\\"\].v/);
  assert.match(plain, /"d":\{"FIELD":"dflt"\}/);
  // Equal as JSON values: a custom resource's keys come sorted, so the name moves the field.
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"])
    assert.deepStrictEqual(JSON.parse(await run(name)), JSON.parse(plain), name);
});
