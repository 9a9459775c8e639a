import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { callOptionsOf, PatchType } from "@org/rest";
import { podExpansion } from "../expansions/core/v1/pod.js";
import * as sub from "../generated/subresource-methods.js";
import { RecordingRest } from "../testing/recording-rest.js";
import type { GroupVersionDescriptor, ResourceDescriptor } from "./descriptor.js";
import { newGroupClient, newResourceClient } from "./factory.js";
import { gvrTarget, ResourceClient } from "./resource-client.js";

const allVerbs = [
  "create",
  "update",
  "updateStatus",
  "delete",
  "deleteCollection",
  "get",
  "list",
  "watch",
  "patch",
  "apply",
  "applyStatus",
] as const;

const deployments: ResourceDescriptor = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  listKind: "DeploymentList",
  resource: "deployments",
  namespaced: true,
  verbs: allVerbs,
  subresources: [
    { name: "status", verbs: ["get", "update", "patch"] },
    {
      name: "scale",
      verbs: ["get", "update", "patch"],
      kind: { group: "autoscaling", version: "v1", kind: "Scale" },
    },
  ],
  methods: [sub.getScale, sub.updateScale, sub.applyScale],
};
const pods: ResourceDescriptor = {
  group: "",
  version: "v1",
  kind: "Pod",
  listKind: "PodList",
  resource: "pods",
  namespaced: true,
  verbs: allVerbs,
  subresources: [
    { name: "status", verbs: ["get", "update", "patch"] },
    { name: "log", verbs: ["get"] },
    { name: "eviction", verbs: ["create"], kind: { group: "policy", version: "v1", kind: "Eviction" } },
    { name: "binding", verbs: ["create"], kind: { group: "", version: "v1", kind: "Binding" } },
    { name: "ephemeralcontainers", verbs: ["get", "update", "patch"] },
    { name: "resize", verbs: ["get", "update", "patch"] },
  ],
  methods: [sub.bind, sub.updateEphemeralContainers, sub.evict, sub.updateResize],
  expansion: podExpansion,
};
const nodes: ResourceDescriptor = {
  group: "",
  version: "v1",
  kind: "Node",
  listKind: "NodeList",
  resource: "nodes",
  namespaced: false,
  verbs: allVerbs,
  subresources: [{ name: "status", verbs: ["get", "update", "patch"] }],
  methods: [],
};
const namespaces: ResourceDescriptor = {
  ...nodes,
  kind: "Namespace",
  listKind: "NamespaceList",
  resource: "namespaces",
  subresources: [{ name: "finalize", verbs: ["update"] }],
  methods: [sub.finalize],
};
const { expansion: _pods, ...podCoordinates } = pods;
const serviceaccounts: ResourceDescriptor = {
  ...podCoordinates,
  kind: "ServiceAccount",
  listKind: "ServiceAccountList",
  resource: "serviceaccounts",
  subresources: [
    {
      name: "token",
      verbs: ["create"],
      kind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
    },
  ],
  methods: [sub.createToken],
};
const csrs: ResourceDescriptor = {
  group: "certificates.k8s.io",
  version: "v1",
  kind: "CertificateSigningRequest",
  listKind: "CertificateSigningRequestList",
  resource: "certificatesigningrequests",
  namespaced: false,
  verbs: allVerbs,
  subresources: [
    { name: "approval", verbs: ["get", "update", "patch"] },
    { name: "status", verbs: ["get", "update", "patch"] },
  ],
  methods: [sub.updateApproval],
};

type Obj = { metadata?: { name?: string; resourceVersion?: string }; spec?: unknown };
type ObjList = { metadata?: { continue?: string }; items: Obj[] };
// biome-ignore lint/suspicious/noExplicitAny: the tests call methods installed from descriptors
type Any = any;

function client(rest: RecordingRest, d: ResourceDescriptor, ns = "web"): Any {
  return newResourceClient(rest, d, ns);
}

describe("ResourceClient verbs", () => {
  test("get, list and create address the resource with its options", async () => {
    const rest = new RecordingRest(() => ({ metadata: { name: "a" } }));
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    await c.get("a", { resourceVersion: "0" });
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a?resourceVersion=0");
    assert.equal(rest.sent().method, "GET");
    await c.list({ labelSelector: "app=web", fieldSelector: "metadata.name=a", limit: 2 });
    assert.equal(
      rest.url(),
      "/apis/apps/v1/namespaces/web/deployments?fieldSelector=metadata.name%3Da&labelSelector=app%3Dweb&limit=2",
    );
    await c.create(
      { metadata: { name: "a" } },
      { dryRun: "All", fieldManager: "me", fieldValidation: "Strict" },
    );
    const sent = rest.sent();
    assert.equal(sent.method, "POST");
    assert.equal(
      rest.url(),
      "/apis/apps/v1/namespaces/web/deployments?dryRun=All&fieldManager=me&fieldValidation=Strict",
    );
    // client-go's typed clients encode with the type's apiVersion and kind
    assert.deepEqual(JSON.parse(String(sent.body)), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "a" },
    });
  });

  test("writes fill in a missing apiVersion and kind from the descriptor; given ones and the caller's object stay", async () => {
    const rest = new RecordingRest((s) => s.body);
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const bare = { metadata: { name: "a" } };
    const filled = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a" } };
    await c.create(bare);
    await c.update(bare);
    await c.updateStatus(bare);
    await c.apply(bare, { fieldManager: "me" });
    await c.applyStatus(bare, { fieldManager: "me" });
    for (let i = 0; i < rest.calls.length; i++)
      assert.deepEqual(JSON.parse(String(rest.sent(i).body)), filled, `call ${i}`);
    assert.deepEqual(bare, { metadata: { name: "a" } }, "the caller's object is not changed");
    // what the caller gave is sent as given (the server judges a wrong one)
    await c.create({ apiVersion: "apps/v1beta2", metadata: { name: "a" } } as Obj);
    assert.deepEqual(JSON.parse(String(rest.sent().body)), { ...filled, apiVersion: "apps/v1beta2" });
    // core group: apiVersion is the version alone; the dynamic client (no kind) sends objects as given
    await new ResourceClient<Obj, ObjList>(rest, pods, "web").create(bare);
    assert.deepEqual(JSON.parse(String(rest.sent().body)), {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "a" },
    });
    await new ResourceClient<Obj, ObjList>(
      rest,
      gvrTarget({ group: "apps", version: "v1", resource: "deployments" }),
    ).create(bare);
    assert.deepEqual(JSON.parse(String(rest.sent().body)), bare);
  });

  test("a namespaced client with namespace '' lists all namespaces; core resources live under /api/v1", async () => {
    const rest = new RecordingRest(() => ({ items: [] }));
    await new ResourceClient(rest, pods, "").list();
    assert.equal(rest.url(), "/api/v1/pods");
    await new ResourceClient(rest, nodes, "ignored").list();
    assert.equal(rest.url(), "/api/v1/nodes");
  });

  test("update and updateStatus PUT the object by its name; status goes to the subresource", async () => {
    const answer = { metadata: { name: "a", resourceVersion: "8" } };
    const rest = new RecordingRest(() => answer);
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const obj = { metadata: { name: "a", resourceVersion: "7" } };
    assert.equal(await c.update(obj, { dryRun: true }), answer, "the decoded response is returned as is");
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a?dryRun=All");
    assert.equal(rest.sent().method, "PUT");
    await c.updateStatus(obj);
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/status");
    await assert.rejects(() => c.update({ metadata: {} }), /resource name may not be empty/);
  });

  test("delete sends DeleteOptions in the body; deleteCollection adds list options", async () => {
    const rest = new RecordingRest(() => ({ kind: "Status" }));
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const ac = new AbortController();
    await c.delete("a", {
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u1", resourceVersion: "5" },
      dryRun: "All",
      signal: ac.signal,
    });
    const sent = rest.sent();
    assert.equal(sent.method, "DELETE");
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a");
    assert.deepEqual(JSON.parse(String(sent.body)), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u1", resourceVersion: "5" },
      dryRun: ["All"],
    });
    assert.equal(callOptionsOf(rest.calls.at(-1)!).signal, ac.signal, "the signal reaches the RESTClient");
    await c.deleteCollection({ propagationPolicy: "Background" }, { labelSelector: "x=y" });
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments?labelSelector=x%3Dy");
    assert.deepEqual(JSON.parse(String(rest.sent().body)), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
    });
  });

  test("patch sends the patch type as content type, on the object or a subresource", async () => {
    const rest = new RecordingRest(() => ({}));
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    for (const type of Object.values(PatchType)) {
      await c.patch("a", type, { spec: { replicas: 2 } }, { fieldManager: "m" });
      assert.equal(rest.sent().headers["Content-Type"], type);
      assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a?fieldManager=m");
    }
    await c.patch("a", PatchType.JSON, '[{"op":"remove","path":"/spec/x"}]', { subresource: "status" });
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/status");
    assert.equal(rest.sent().body, '[{"op":"remove","path":"/spec/x"}]', "a string body is sent as is");
  });

  test("apply and applyStatus are apply patches with fieldManager and force; fieldManager is required", async () => {
    const rest = new RecordingRest(() => ({}));
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    await c.apply({ metadata: { name: "a" } }, { fieldManager: "ctl", force: true, dryRun: "All" });
    const sent = rest.sent();
    assert.equal(sent.method, "PATCH");
    assert.equal(sent.headers["Content-Type"], "application/apply-patch+yaml");
    assert.equal(
      rest.url(),
      "/apis/apps/v1/namespaces/web/deployments/a?dryRun=All&fieldManager=ctl&force=true",
    );
    await c.applyStatus({ metadata: { name: "a" } }, { fieldManager: "ctl" });
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/status?fieldManager=ctl");
    const calls = rest.calls.length;
    await assert.rejects(c.apply({ metadata: { name: "a" } }, { fieldManager: "" }), /field manager/);
    await assert.rejects(c.applyStatus({ metadata: { name: "a" } }, undefined as Any), /field manager/);
    assert.equal(rest.calls.length, calls, "nothing was sent");
  });

  test("watch passes list options (resourceVersion to resume from) to the RESTClient's watch", async () => {
    const rest = new RecordingRest();
    rest.watchEvents = [{ type: "ADDED", object: { metadata: { name: "a" } } }];
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const w = c.watch({ resourceVersion: "42", allowWatchBookmarks: true });
    const seen = [];
    for await (const ev of w) seen.push(ev.type);
    assert.deepEqual(seen, ["ADDED"]);
    assert.equal(
      rest.url(),
      "/apis/apps/v1/namespaces/web/deployments?allowWatchBookmarks=true&resourceVersion=42",
    );
  });

  test("listAll follows continue tokens with the page size and yields every item once", async () => {
    const pages: Record<string, ObjList> = {
      "": { metadata: { continue: "c1" }, items: [{ metadata: { name: "1" } }, { metadata: { name: "2" } }] },
      c1: { metadata: { continue: "c2" }, items: [{ metadata: { name: "3" } }] },
      c2: { metadata: {}, items: [{ metadata: { name: "4" } }] },
    };
    const rest = new RecordingRest((s) => pages[(s.options as { continue?: string }).continue ?? ""]);
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const names = [];
    for await (const o of c.listAll({ limit: 2, labelSelector: "a=b" })) names.push(o.metadata?.name);
    assert.deepEqual(names, ["1", "2", "3", "4"]);
    assert.deepEqual(
      rest.calls.map((_, i) => rest.url(i)),
      [
        "/apis/apps/v1/namespaces/web/deployments?labelSelector=a%3Db&limit=2",
        "/apis/apps/v1/namespaces/web/deployments?continue=c1&labelSelector=a%3Db&limit=2",
        "/apis/apps/v1/namespaces/web/deployments?continue=c2&labelSelector=a%3Db&limit=2",
      ],
    );
    rest.calls.length = 0;
    for await (const _ of c.listAll()) break;
    assert.equal(rest.url(0), "/apis/apps/v1/namespaces/web/deployments?limit=500", "default page size");
  });

  test("the pager sends resourceVersion(Match) with the first page only, and limit 0 is the default size", async () => {
    const pages: Record<string, ObjList> = {
      "": { metadata: { continue: "c1" }, items: [{ metadata: { name: "1" } }] },
      c1: { metadata: {}, items: [{ metadata: { name: "2" } }] },
    };
    const rest = new RecordingRest((s) => pages[(s.options as { continue?: string }).continue ?? ""]);
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    const names = [];
    for await (const o of c.listAll({ limit: 0, resourceVersion: "7", resourceVersionMatch: "Exact" })) {
      names.push(o.metadata?.name);
    }
    assert.deepEqual(names, ["1", "2"]);
    assert.deepEqual(
      rest.calls.map((_, i) => rest.url(i)),
      [
        "/apis/apps/v1/namespaces/web/deployments?limit=500&resourceVersion=7&resourceVersionMatch=Exact",
        "/apis/apps/v1/namespaces/web/deployments?continue=c1&limit=500",
      ],
    );
  });

  test("list returns the decoded object itself (no copy)", async () => {
    const list = { items: [{ metadata: { name: "x" } }] };
    const rest = new RecordingRest(() => list);
    const c = new ResourceClient<Obj, ObjList>(rest, deployments, "web");
    assert.equal(await c.list(), list);
    const items = [];
    for await (const o of c.listAll()) items.push(o);
    assert.equal(items[0], list.items[0]);
  });
});

describe("subresource methods from the descriptor", () => {
  test("scale: getScale, updateScale, applyScale", async () => {
    const rest = new RecordingRest(() => ({}));
    const c = client(rest, deployments);
    await c.getScale("a");
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/scale");
    await c.updateScale("a", { spec: { replicas: 3 } }, { fieldManager: "f" });
    assert.equal(rest.sent().method, "PUT");
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/scale?fieldManager=f");
    await c.applyScale("a", { spec: { replicas: 3 } }, { fieldManager: "f", force: true });
    assert.equal(rest.sent().headers["Content-Type"], PatchType.Apply);
    assert.equal(rest.url(), "/apis/apps/v1/namespaces/web/deployments/a/scale?fieldManager=f&force=true");
    assert.equal(client(rest, pods).getScale, undefined, "pods have no scale subresource");
  });

  test("pods: evict, bind, updateEphemeralContainers, updateResize", async () => {
    const rest = new RecordingRest(() => ({}));
    const c = client(rest, pods);
    await c.evict({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p", namespace: "web" } });
    assert.equal(rest.sent().method, "POST");
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/eviction");
    await c.bind({ metadata: { name: "p" }, target: { kind: "Node", name: "n1" } });
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/binding");
    await c.updateEphemeralContainers("p", { metadata: { name: "p" } });
    assert.equal(rest.sent().method, "PUT");
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/ephemeralcontainers");
    await c.updateResize("p", { metadata: { name: "p" } });
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/resize");
    await assert.rejects(async () => c.evict({}), /metadata.name/);
  });

  test("createToken, updateApproval, finalize", async () => {
    const rest = new RecordingRest(() => ({}));
    await client(rest, serviceaccounts).createToken("sa", { spec: { audiences: ["x"] } });
    assert.equal(rest.sent().method, "POST");
    assert.equal(rest.url(), "/api/v1/namespaces/web/serviceaccounts/sa/token");
    await client(rest, csrs).updateApproval("csr1", { metadata: { name: "csr1" } });
    assert.equal(rest.url(), "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1/approval");
    await client(rest, namespaces).finalize({ metadata: { name: "ns1" } });
    assert.equal(rest.sent().method, "PUT");
    assert.equal(rest.url(), "/api/v1/namespaces/ns1/finalize");
  });

  test("a row's builder is its verb's: the name from the body, no result with 'none'", async () => {
    const rest = new RecordingRest(() => ({ kind: "Status" }));
    assert.equal(await client(rest, pods).evict({ metadata: { name: "p" } }), undefined);
    assert.deepEqual(await client(rest, serviceaccounts).createToken("sa", {}), { kind: "Status" });
    const bad = (methods: ResourceDescriptor["methods"]) => newResourceClient(rest, { ...nodes, methods });
    assert.throws(
      () => bad([{ method: "teleport", subresource: "teleport", verb: "teleport" as "get" }]),
      /subresource method teleport \(teleport\) has verb "teleport"; the runtime builds get, create, update, apply/,
    );
    assert.throws(
      () => bad([{ method: "get", subresource: "status", verb: "get" }]),
      /descriptor of nodes \(core\/v1\): a second method named get/,
    );
  });

  test("pod logs: getLogs with container/tail/since/timestamps, streamLogs follows line by line", async () => {
    const enc = new TextEncoder();
    const rest = new RecordingRest((s) =>
      s.query?.follow || s.query?.limitBytes
        ? (async function* () {
            yield enc.encode("one\ntw");
            yield enc.encode("o\n\u00e9");
            yield enc.encode("\nlast");
          })()
        : "line1\nline2\n",
    );
    const c = client(rest, pods);
    const text = await c.getLogs("p", {
      container: "app",
      tailLines: 10,
      sinceSeconds: 60,
      timestamps: true,
    });
    assert.equal(text, "line1\nline2\n");
    assert.equal(
      rest.url(),
      "/api/v1/namespaces/web/pods/p/log?container=app&sinceSeconds=60&tailLines=10&timestamps=true",
    );
    const lines = [];
    for await (const line of c.streamLogs("p", { container: "app" })) lines.push(line);
    assert.deepEqual(lines, ["one", "two", "é", "last"]);
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/log?container=app&follow=true");
    for await (const _ of c.streamLogs("p", { follow: false, limitBytes: 10 })) break;
    assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p/log?limitBytes=10");
    await assert.rejects(c.getLogs("p", { follow: true }), /use streamLogs/);
    assert.equal(client(rest, nodes).getLogs, undefined, "only pods have the pod expansion");
  });
});

describe("group clients", () => {
  test("namespaced getters take the namespace, cluster-scoped ones none", async () => {
    const gv: GroupVersionDescriptor = { group: "", version: "v1", resources: { pods, nodes } };
    const rest = new RecordingRest(() => ({}));
    const core: Any = newGroupClient(rest, gv);
    await core.pods("ns1").get("p");
    assert.equal(rest.url(), "/api/v1/namespaces/ns1/pods/p");
    await core.nodes().get("n");
    assert.equal(rest.url(), "/api/v1/nodes/n");
    assert.equal(
      Object.getPrototypeOf(core.pods("a")),
      Object.getPrototypeOf(core.pods("b")),
      "one class per descriptor",
    );
  });
});
