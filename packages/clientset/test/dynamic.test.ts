// A CRD through the dynamic client; discovery (aggregated) and the RESTMapper against the real server.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  isConflict,
  isNotFound,
  isUnsupportedMediaType,
  PatchType,
  type RequestSpec,
  StatusError,
} from "@org/rest";
import { createTestNamespace } from "@org/testenv/harness";
import { DiscoveryClient } from "../src/discovery/index.js";
import {
  DeferredRESTMapper,
  DiscoveryCategoryExpander,
  isNoMatchError,
  parseResourceArg,
  RESTMapper,
} from "../src/restmapper/index.js";
import type { RestInterface } from "../src/runtime/rest.js";
import { type Env, env, installCRD, kubectl } from "./support.js";

test("a CRD's objects through the dynamic client: create, get, list, update, patch, status, apply, watch, delete", async (t) => {
  const ns = await createTestNamespace("cs-dynamic");
  t.after(ns.cleanup);
  const e = await env();
  const crd = await installCRD(e, "dyn.clientset.test", "CronTab", "crontabs");
  t.after(crd.remove);
  const crontabs = e.dynamic.resource(crd.gvr).namespace(ns.name);
  const apiVersion = "dyn.clientset.test/v1";

  const created = await crontabs.create({
    apiVersion,
    kind: "CronTab",
    metadata: { name: "nightly", labels: { tier: "batch" } },
    spec: { cronSpec: "0 3 * * *", image: "backup:1", replicas: 1 },
  });
  assert.equal(created.kind, "CronTab");
  assert.equal(created.metadata?.namespace, ns.name);
  const got = await crontabs.get("nightly");
  assert.deepEqual(got.spec, { cronSpec: "0 3 * * *", image: "backup:1", replicas: 1 });
  (got.spec as { image: string }).image = "backup:2";
  const updated = await crontabs.update(got);
  assert.equal((updated.spec as { image: string }).image, "backup:2");

  const patched = await crontabs.patch("nightly", PatchType.Merge, { spec: { replicas: 2 } });
  assert.equal((patched.spec as { replicas: number }).replicas, 2);
  const withStatus = await crontabs.updateStatus({ ...patched, status: { lastRun: "never" } });
  assert.deepEqual(withStatus.status, { lastRun: "never" });
  assert.deepEqual(
    (await crontabs.get("nightly", {}, "status")).status,
    { lastRun: "never" },
    "get a subresource",
  );

  const applied = await crontabs.apply(
    {
      apiVersion,
      kind: "CronTab",
      metadata: { name: "hourly" },
      spec: { cronSpec: "0 * * * *", image: "x" },
    },
    { fieldManager: "dynamic-test" },
  );
  const managers = (applied.metadata?.managedFields ?? []) as { manager?: string }[];
  assert.equal(managers[0]?.manager, "dynamic-test");

  const list = await crontabs.list({ labelSelector: "tier=batch" });
  assert.equal(list.kind, "CronTabList");
  assert.deepEqual(
    list.items.map((c) => c.metadata?.name),
    ["nightly"],
  );
  const all = await e.dynamic.resource(crd.gvr).list({ fieldSelector: `metadata.namespace=${ns.name}` });
  assert.deepEqual(all.items.map((c) => c.metadata?.name).sort(), ["hourly", "nightly"], "across namespaces");

  const w = crontabs.watch({ resourceVersion: applied.metadata?.resourceVersion });
  await crontabs.delete("nightly");
  for await (const ev of w) {
    assert.equal(ev.type, "DELETED");
    assert.equal(ev.object.metadata?.name, "nightly");
    w.stop();
  }
  await assert.rejects(crontabs.get("nightly"), isNotFound);
  await crontabs.deleteCollection();
  assert.equal((await crontabs.list()).items.length, 0);
});

test("dynamic edge cases against the server: pages, subresource delete, 415 on strategic patch, delete options, deleteCollection, applyStatus", async (t) => {
  const ns = await createTestNamespace("cs-dynamic-edge");
  t.after(ns.cleanup);
  const e = await env();
  const crd = await installCRD(e, "dynedge.clientset.test", "CronTab", "crontabs");
  t.after(crd.remove);
  const crontabs = e.dynamic.resource(crd.gvr).namespace(ns.name);
  const apiVersion = "dynedge.clientset.test/v1";
  const cronTab = (name: string, labels?: Record<string, string>) => ({
    apiVersion,
    kind: "CronTab",
    metadata: labels === undefined ? { name } : { name, labels },
    spec: { image: "x" },
  });
  for (const n of ["a", "b", "c"]) await crontabs.create(cronTab(n, { n }));

  const page = await crontabs.list({ limit: 1 });
  assert.deepEqual(
    page.items.map((i) => [i.apiVersion, i.kind, i.metadata?.name]),
    [[apiVersion, "CronTab", "a"]],
  );
  assert.ok(page.metadata?.continue, "a continue token");
  assert.ok(page.metadata?.resourceVersion);
  assert.equal(page.metadata?.remainingItemCount, 2);
  const next = await crontabs.list({ limit: 1, continue: page.metadata?.continue });
  assert.equal(next.items[0]?.metadata?.name, "b");

  // client-go's Delete(ctx, name, opts, "status") sends DELETE .../a/status, which the server refuses;
  // the object itself must survive.
  await assert.rejects(crontabs.delete("a", {}, "status"), (err: unknown) => {
    assert.ok(err instanceof StatusError, String(err));
    assert.match(
      err.message,
      /DELETE https:\/\/[^/]+\/apis\/dynedge\.clientset\.test\/v1\/namespaces\/[^/]+\/crontabs\/a\/status/,
    );
    return true;
  });
  assert.equal((await crontabs.get("a")).metadata?.name, "a", "not deleted");

  // Custom resources have no strategic merge: the server's 415 is a typed StatusError.
  await assert.rejects(crontabs.patch("a", PatchType.StrategicMerge, { spec: { image: "y" } }), (err) => {
    assert.ok(err instanceof StatusError && isUnsupportedMediaType(err), String(err));
    assert.equal(err.status.code, 415);
    return true;
  });
  const jsonPatched = await crontabs.patch("a", PatchType.JSON, [
    { op: "replace", path: "/spec/image", value: "j" },
  ]);
  assert.equal((jsonPatched.spec as { image: string }).image, "j");

  // Delete options travel in the body: dryRun deletes nothing; a wrong uid precondition is a 409.
  await crontabs.delete("b", { dryRun: "All", gracePeriodSeconds: 0, propagationPolicy: "Foreground" });
  assert.equal((await crontabs.get("b")).metadata?.name, "b", "dry run");
  await assert.rejects(crontabs.delete("b", { preconditions: { uid: "not-the-uid" } }), isConflict);
  const b = await crontabs.get("b");
  await crontabs.delete("b", {
    preconditions: { uid: b.metadata?.uid, resourceVersion: b.metadata?.resourceVersion },
  });
  await assert.rejects(crontabs.get("b"), isNotFound);

  const status = await crontabs.applyStatus(
    { apiVersion, kind: "CronTab", metadata: { name: "c" }, status: { lastRun: "now" } },
    { fieldManager: "edge-status" },
  );
  assert.deepEqual(status.status, { lastRun: "now" });
  assert.ok(
    ((status.metadata?.managedFields ?? []) as { manager?: string; subresource?: string }[]).some(
      (f) => f.manager === "edge-status" && f.subresource === "status",
    ),
  );

  await crontabs.deleteCollection({}, { labelSelector: "n=c" });
  assert.deepEqual(
    (await crontabs.list()).items.map((i) => i.metadata?.name),
    ["a"],
    "only the selected ones",
  );
});

test("discovery: server version, aggregated groups and resources, preferred resources, cache and invalidate", async () => {
  const e = await env();
  const d = new DiscoveryClient(e.rest);
  const v = await d.serverVersion();
  assert.equal(v.gitVersion, e.cp.version);
  assert.equal(await d.usesAggregatedDiscovery(), true);
  const groups = await d.serverGroups();
  assert.equal(groups.groups[0]?.name, "", "the core group first");
  const apps = groups.groups.find((g) => g.name === "apps");
  assert.equal(apps?.preferredVersion?.groupVersion, "apps/v1");
  const appsV1 = await d.serverResourcesForGroupVersion("apps/v1");
  const deployments = appsV1.resources.find((r) => r.name === "deployments");
  assert.equal(deployments?.kind, "Deployment");
  assert.equal(deployments?.namespaced, true);
  assert.deepEqual(deployments?.shortNames, ["deploy"]);
  assert.ok(deployments?.verbs.includes("watch"));
  const scale = appsV1.resources.find((r) => r.name === "deployments/scale");
  assert.deepEqual([scale?.group, scale?.version, scale?.kind], ["autoscaling", "v1", "Scale"]);
  const core = await d.serverResourcesForGroupVersion("v1");
  assert.equal(core.resources.find((r) => r.name === "namespaces")?.namespaced, false);

  const preferred = await d.serverPreferredResources();
  const autoscaling = preferred.filter((l) => l.groupVersion.startsWith("autoscaling/"));
  assert.deepEqual(
    autoscaling.map((l) => l.groupVersion),
    ["autoscaling/v2"],
    "HPAs once, in the preferred version",
  );
  assert.ok(
    preferred.every((l) => l.resources.every((r) => !r.name.includes("/"))),
    "no subresources",
  );

  // A CRD installed after the first discovery shows up after invalidate().
  const crd = await installCRD(e, "disc.clientset.test", "Gadget", "gadgets");
  try {
    assert.equal(
      (await d.serverGroups()).groups.some((g) => g.name === "disc.clientset.test"),
      false,
      "cached",
    );
    d.invalidate();
    assert.equal(
      (await d.serverGroups()).groups.some((g) => g.name === "disc.clientset.test"),
      true,
    );
  } finally {
    await crd.remove();
  }
});

test("RESTMapper from discovery: kinds, resources, short names, scopes; the deferred mapper finds new CRDs", async () => {
  const e = await env();
  const discovery = new DiscoveryClient(e.rest);
  const m = await RESTMapper.fromDiscovery(discovery);
  assert.deepEqual(m.kindFor({ resource: "deploy" }), { group: "apps", version: "v1", kind: "Deployment" });
  assert.deepEqual(m.resourceFor({ resource: "po" }), { group: "", version: "v1", resource: "pods" });
  assert.deepEqual(m.resourceFor({ resource: "hpa" }), {
    group: "autoscaling",
    version: "v2",
    resource: "horizontalpodautoscalers",
  });
  const ns = m.restMapping({ kind: "Namespace" });
  assert.deepEqual([ns.resource.resource, ns.scope], ["namespaces", "root"]);
  const cj = m.restMapping({ group: "batch", kind: "CronJob" });
  assert.deepEqual(
    [cj.resource, cj.scope],
    [{ group: "batch", version: "v1", resource: "cronjobs" }, "namespace"],
  );
  assert.equal(m.resourceSingularizer("ingresses"), "ingress");
  assert.equal(m.expandShortName("svc"), "services");

  const deferred = new DeferredRESTMapper(discovery);
  await deferred.restMapping({ kind: "Pod" });
  const crd = await installCRD(e, "map.clientset.test", "Sprocket", "sprockets");
  try {
    const mapping = await deferred.restMapping({ group: "map.clientset.test", kind: "Sprocket" });
    assert.deepEqual(mapping.resource, { group: "map.clientset.test", version: "v1", resource: "sprockets" });
    assert.equal(
      (await deferred.resourceFor({ resource: "spx" })).resource,
      "sprockets",
      "the CRD's short name",
    );
  } finally {
    await crd.remove();
  }
});

test('categories: the resources of "all" are the ones kubectl get all lists, in its order and versions', async (t) => {
  const ns = await createTestNamespace("cs-categories");
  t.after(ns.cleanup);
  const e = await env();
  const discovery = new DiscoveryClient(e.rest);
  const mapper = await RESTMapper.fromDiscovery(discovery);
  const all = await new DiscoveryCategoryExpander(discovery).expand("all");
  assert.ok(all);
  const ours = all.map((gr) => {
    const m = mapper.restMapping(mapper.kindFor(gr));
    const { group, version, resource } = m.resource;
    return `${group === "" ? "/api" : `/apis/${group}`}/${version}${m.namespaced ? `/namespaces/${ns.name}` : ""}/${resource}`;
  });
  // kubectl -v=6 logs each request it sends: after discovery, one list per resource of the category.
  const k = await kubectl(e.cp, ["get", "all", "-n", ns.name, "-v=6"]);
  assert.equal(k.code, 0, k.stderr);
  const theirs = [...k.stderr.matchAll(/GET https:\/\/[^/\s]+(\/[^?\s]+)\?limit=500/g)].map((m) => m[1]);
  assert.ok(theirs.includes(`/api/v1/namespaces/${ns.name}/pods`), k.stderr);
  assert.deepEqual(ours, theirs);
});

/**
 * `kubectl get <arg> -n <namespace>` with a discovery cache of its own for the test: the resource it
 * listed (`group/version/resource`), or the error it printed.
 */
async function kubectlGet(
  t: { after(fn: () => Promise<void>): void },
  e: Env,
  namespace: string,
): Promise<(arg: string) => Promise<{ resource?: string; error: string }>> {
  const cacheDir = await mkdtemp(join(tmpdir(), "cs-kubectl-get-"));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  return async (arg) => {
    const k = await kubectl(e.cp, ["get", arg, "-n", namespace, "-v=6", "--cache-dir", cacheDir]);
    const m =
      /GET https:\/\/[^/\s]+\/(?:api|apis\/([^/]+))\/([^/]+)\/(?:namespaces\/[^/]+\/)?([^/?\s]+)\?limit=500/.exec(
        k.stderr,
      );
    const error = /^error: .*$/m.exec(k.stderr)?.[0] ?? k.stderr;
    return m === null ? { error } : { resource: `${m[1] ?? ""}/${m[2]}/${m[3]}`, error };
  };
}

/** Each argument resolved by us and by kubectl, as `arg → answer` lines: they must be equal; kubectl's lines. */
async function resolveLikeKubectl(
  args: readonly string[],
  ours: (arg: string) => string,
  theirs: (arg: string) => Promise<string>,
): Promise<string[]> {
  const got: string[] = [];
  const want: string[] = [];
  for (const arg of args) {
    got.push(`${arg} → ${ours(arg)}`);
    want.push(`${arg} → ${await theirs(arg)}`);
  }
  assert.deepEqual(got, want);
  return want;
}

test("resource arguments (short, singular, resource.group, resource.version.group) resolve as kubectl get resolves them", async (t) => {
  const ns = await createTestNamespace("cs-args");
  t.after(ns.cleanup);
  const e = await env();
  const crd = await installCRD(e, "args.clientset.test", "Trinket", "trinkets");
  t.after(crd.remove);
  const mapper = await RESTMapper.fromDiscovery(new DiscoveryClient(e.rest));
  // kubectl's order (cli-runtime's mappingFor): resource.version.group first, then resource.group.
  const ours = (arg: string): string => {
    const { gvr, groupResource } = parseResourceArg(arg);
    for (const p of gvr === undefined ? [groupResource] : [gvr, groupResource]) {
      const hit = mapper.resourcesFor(p)[0];
      if (hit !== undefined) return `${hit.group}/${hit.version}/${hit.resource}`;
    }
    return "no match";
  };
  const get = await kubectlGet(t, e, ns.name);
  const theirs = async (arg: string): Promise<string> => (await get(arg)).resource ?? "no match";
  const args = [
    "po",
    "PODS",
    "deploy.apps",
    "deploy.ap",
    "deployments.v1.apps",
    "Deployment.v1.apps",
    "hpa",
    "horizontalpodautoscalers.v1.autoscaling",
    "cj.batch",
    "ev",
    "events.events",
    "ev.events",
    "trinkets",
    "trinket",
    "trx",
    "trx.args",
    "trinkets.args.clientset",
    "trinket.v1.args.clientset.test",
    "trinkets.v1.args",
    "trinkets.v2.args.clientset.test",
    "pods.v1",
    "nonsense",
  ];
  const want = await resolveLikeKubectl(args, ours, theirs);
  assert.ok(want.includes("deploy.ap → apps/v1/deployments"), "kubectl's answers were read");
});

// CRD fixtures for the kubectl comparisons below, installed once for this file: several versions (one
// not served, one deprecated), short names, a category, an irregular plural, a kind whose singular is
// not its lower case, two groups sharing a kind name (one cluster-scoped), status and scale.
const openSchema = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } };
const fixtureCRDs = [
  {
    metadata: { name: "widgets.one.kc.clientset.test" },
    spec: {
      group: "one.kc.clientset.test",
      scope: "Namespaced",
      names: {
        plural: "widgets",
        singular: "widget",
        kind: "Widget",
        shortNames: ["kcw"],
        categories: ["kcgear"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: openSchema,
          subresources: {
            status: {},
            scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
          },
        },
        {
          name: "v1beta1",
          served: true,
          storage: false,
          deprecated: true,
          deprecationWarning: "one.kc.clientset.test/v1beta1 Widget is deprecated; use v1",
          schema: openSchema,
        },
        { name: "v2alpha1", served: false, storage: false, schema: openSchema },
        { name: "v2", served: true, storage: false, schema: openSchema },
      ],
    },
  },
  {
    metadata: { name: "widgets.two.kc.clientset.test" },
    spec: {
      group: "two.kc.clientset.test",
      scope: "Cluster",
      names: {
        plural: "widgets",
        singular: "widget",
        kind: "Widget",
        shortNames: ["kcw2"],
        categories: ["kcgear"],
      },
      versions: [{ name: "v1", served: true, storage: true, schema: openSchema }],
    },
  },
  {
    metadata: { name: "octopi.sea.kc.clientset.test" },
    spec: {
      group: "sea.kc.clientset.test",
      scope: "Namespaced",
      names: { plural: "octopi", singular: "octopus", kind: "Octopus", shortNames: ["kco"] },
      versions: [{ name: "v1", served: true, storage: true, schema: openSchema }],
    },
  },
  {
    metadata: { name: "squids.sea.kc.clientset.test" },
    spec: {
      group: "sea.kc.clientset.test",
      scope: "Namespaced",
      names: { plural: "squids", singular: "calamari", kind: "Cephalopod", categories: ["kcgear"] },
      versions: [{ name: "v1", served: true, storage: true, schema: openSchema }],
    },
  },
];

const crdsOf = (e: Env) =>
  e.dynamic.resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
let fixtures: Promise<void> | undefined;
// Registered at the top level: an `after` called inside a test would run when that test ends.
after(async () => {
  if (fixtures === undefined) return;
  const crds = crdsOf(await env());
  await Promise.all(fixtureCRDs.map((c) => crds.delete(c.metadata.name).catch(() => {})));
});
/** Installs the fixture CRDs (once, for the tests of this file) and waits until discovery serves them. */
function installFixtures(e: Env): Promise<void> {
  fixtures ??= (async () => {
    const crds = crdsOf(e);
    for (const c of fixtureCRDs) {
      await crds.create({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...c });
    }
    await waitForDiscovery(e, fixtureCRDs);
  })();
  return fixtures;
}

/** Waits until discovery serves every served version of each CRD. */
async function waitForDiscovery(e: Env, crds: readonly (typeof fixtureCRDs)[number][]): Promise<void> {
  const want = crds.flatMap((c) =>
    c.spec.versions.filter((v) => v.served).map((v) => `${c.spec.group}/${v.name} ${c.spec.names.plural}`),
  );
  for (let tries = 0; ; tries++) {
    const { resources } = await new DiscoveryClient(e.rest).serverGroupsAndResources();
    const have = new Set(resources.flatMap((l) => l.resources.map((r) => `${l.groupVersion} ${r.name}`)));
    if (want.every((w) => have.has(w))) return;
    if (tries > 600) throw new Error(`discovery does not show these CRDs after 30 s: ${want}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("mappingFor resolves and refuses command-line arguments as kubectl get does, kinds and CRD quirks included", async (t) => {
  const ns = await createTestNamespace("cs-mapfor");
  t.after(ns.cleanup);
  const e = await env();
  await installFixtures(e);
  const mapper = await RESTMapper.fromDiscovery(new DiscoveryClient(e.rest));
  const ours = (arg: string): string => {
    try {
      const { group, version, resource } = mapper.mappingFor(arg).resource;
      return `${group}/${version}/${resource}`;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  };
  const get = await kubectlGet(t, e, ns.name);
  const theirs = async (arg: string): Promise<string> => {
    const r = await get(arg);
    return r.resource ?? r.error;
  };
  const args = [
    "widgets",
    "Widget",
    "widget.two",
    "kcw2",
    "widgets.v1beta1.one.kc.clientset.test",
    "widgets.v2alpha1.one.kc.clientset.test",
    "Widget.v1.two.kc.clientset.test",
    "octopus",
    "Octopus.sea.kc.clientset.test",
    "octopuses",
    "calamari",
    "squids.sea",
    "Cephalopod.sea.kc.clientset.test",
    "Cephalopod.v1.sea.kc.clientset.test",
    "cephalopod.sea.kc.clientset.test",
    "Cephalopod.sea",
    "Cephalopod",
    "Namespace",
    "PODS",
    "PO",
    "kcw",
    "KCW",
    "pods.core",
    "Pod.v1.core",
    "Deployment.apps",
    "nonsense",
    "nonsense.v1.apps",
  ];
  const want = await resolveLikeKubectl(args, ours, theirs);
  assert.ok(
    want.includes("Cephalopod.sea.kc.clientset.test → sea.kc.clientset.test/v1/squids"),
    "kubectl read",
  );
});

test("a version that is not served fails as kubectl fails on it, naming the versions that are", async (t) => {
  const e = await env();
  await installFixtures(e);
  const cacheDir = await mkdtemp(join(tmpdir(), "cs-unserved-kubectl-"));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  const create = ["create", "--dry-run=client", "-o", "name", "--cache-dir", cacheDir, "-f", "-"];
  const group = "one.kc.clientset.test";
  const manifest = (version: string) =>
    `apiVersion: ${group}/${version}\nkind: Widget\nmetadata: {name: w, namespace: default}\n`;
  const k = await kubectl(e.cp, create, manifest("v2alpha1"));
  assert.notEqual(k.code, 0);
  assert.match(k.stderr, new RegExp(`no matches for kind "Widget" in version "${group}/v2alpha1"`));
  const ok = await kubectl(e.cp, create, manifest("v1beta1"));
  assert.equal(ok.code, 0, ok.stderr);

  const served = `it is served in ${group}/v2, ${group}/v1, ${group}/v1beta1`;
  const deferred = new DeferredRESTMapper(new DiscoveryClient(e.rest));
  assert.equal(
    (await deferred.restMapping({ group, kind: "Widget" }, "v1beta1")).resource.version,
    "v1beta1",
  );
  await assert.rejects(deferred.restMapping({ group, kind: "Widget" }, "v2alpha1"), (err: unknown) => {
    assert.ok(isNoMatchError(err));
    assert.equal(
      err.message,
      `no matches for kind "Widget" in group "${group}", version "v2alpha1"; ${served}`,
    );
    return true;
  });
  await assert.rejects(deferred.resourceFor({ group, version: "v2alpha1", resource: "widgets" }), {
    message: `no matches for resource "widgets" in group "${group}", version "v2alpha1"; ${served}`,
  });
});

test("a category of a CRD installed after discovery was read expands, as kubectl re-discovers for it", async (t) => {
  const ns = await createTestNamespace("cs-latecat");
  t.after(ns.cleanup);
  const e = await env();
  const cacheDir = await mkdtemp(join(tmpdir(), "cs-latecat-kubectl-"));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  const get = (arg: string) => kubectl(e.cp, ["get", arg, "-n", ns.name, "-v=6", "--cache-dir", cacheDir]);
  const expander = new DiscoveryCategoryExpander(new DiscoveryClient(e.rest));
  // Both read discovery before the CRD exists.
  assert.ok(await expander.expand("all"));
  const before = await get("pods");
  assert.equal(before.code, 0, before.stderr);

  const crd = {
    metadata: { name: "gizmos.late.kc.clientset.test" },
    spec: {
      group: "late.kc.clientset.test",
      scope: "Namespaced",
      names: { plural: "gizmos", singular: "gizmo", kind: "Gizmo", categories: ["kclate"] },
      versions: [{ name: "v1", served: true, storage: true, schema: openSchema }],
    },
  };
  const crds = crdsOf(e);
  await crds.create({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...crd });
  t.after(() => crds.delete(crd.metadata.name).catch(() => {}));
  await waitForDiscovery(e, [crd]);

  // kubectl's cache does not know the category: kubectl reads discovery again (its expansion of this
  // run still comes from the old cache, so it answers from its next run on).
  const first = await get("kclate");
  assert.match(first.stderr, /GET https:\/\/[^/\s]+\/apis\?/, "re-discovered");
  const k = await get("kclate");
  assert.equal(k.code, 0, k.stderr);
  const lists = [
    ...k.stderr.matchAll(
      /GET https:\/\/[^/\s]+\/apis\/([^/]+)\/[^/]+\/namespaces\/[^/]+\/([^/?]+)\?limit=500/g,
    ),
  ];
  assert.deepEqual(
    lists.map((m) => ({ group: m[1], resource: m[2] })),
    [{ group: "late.kc.clientset.test", resource: "gizmos" }],
  );
  assert.deepEqual(await expander.expand("kclate"), [
    { group: "late.kc.clientset.test", resource: "gizmos" },
  ]);
});

test("an unknown resource costs one discovery, as kubectl without a cache reads it once and fails", async (t) => {
  const e = await env();
  const cacheDir = await mkdtemp(join(tmpdir(), "cs-unknown-kubectl-"));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  const k = await kubectl(e.cp, ["get", "nonsense", "-v=6", "--cache-dir", cacheDir]);
  assert.match(k.stderr, /error: the server doesn't have a resource type "nonsense"/);
  const theirs = [...k.stderr.matchAll(/GET https:\/\/[^/\s]+(\/[^?\s]*)/g)].map((m) => m[1]);

  const ours: string[] = [];
  const counting: RestInterface = new Proxy(e.rest, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== "request" || typeof v !== "function") return typeof v === "function" ? v.bind(target) : v;
      return (spec: RequestSpec) => {
        ours.push(spec.path ?? "");
        return v.call(target, spec);
      };
    },
  });
  const deferred = new DeferredRESTMapper(new DiscoveryClient(counting));
  await assert.rejects(deferred.mappingFor("nonsense"), {
    message: `the server doesn't have a resource type "nonsense"`,
  });
  assert.deepEqual(ours, theirs);
  assert.deepEqual(ours, ["/api", "/apis"]);
});
