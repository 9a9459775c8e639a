// The generic ResourceClient and the DynamicClient against the real API server, with kubectl as the
// oracle where it answers the same question: the pager with resourceVersion options, the kind and
// apiVersion of unstructured list items, patch types, server-side apply conflicts, strict field
// validation, dry runs, delete preconditions and deleteCollection, and scope mistakes.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isBadRequest,
  isConflict,
  isNotFound,
  isUnsupportedMediaType,
  PatchType,
  StatusError,
} from "@org/rest";
import { createTestNamespace } from "@org/testenv/harness";
import type { Unstructured } from "../src/dynamic/index.js";
import { configMap, env, installCRD, kubectl } from "./support.js";

const configMaps = { group: "", version: "v1", resource: "configmaps" };

/** A ConfigMap as an unstructured object, for the dynamic client. */
function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): Unstructured {
  return configMap(name, data, labels) as unknown as Unstructured;
}

async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, `a StatusError, not ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

test("the pager sends resourceVersion and resourceVersionMatch with the first page only, as client-go's does", async (t) => {
  const ns = await createTestNamespace("cs-pager-rv");
  t.after(ns.cleanup);
  const e = await env();
  const cms = e.dynamic.resource(configMaps).namespace(ns.name);
  for (let i = 0; i < 5; i++) await cms.create(cm(`cm-${i}`, {}, { paged: "yes" }));
  const snapshot = await cms.list({ labelSelector: "paged=yes" });
  const rv = snapshot.metadata?.resourceVersion;
  assert.ok(rv);
  await cms.create(cm("cm-later", {}, { paged: "yes" }));

  // Exact: every page is of the snapshot (the continue token carries its version); the server
  // rejects resourceVersionMatch together with continue (422), so the pager must leave it out.
  const pages: number[] = [];
  const names: string[] = [];
  for await (const page of cms.listPages({
    labelSelector: "paged=yes",
    limit: 2,
    resourceVersion: rv,
    resourceVersionMatch: "Exact",
  })) {
    pages.push(page.items.length);
    names.push(...page.items.map((c) => c.metadata?.name ?? ""));
  }
  assert.deepEqual(pages, [2, 2, 1]);
  assert.deepEqual(names, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"], "the snapshot, without cm-later");

  const newer: string[] = [];
  for await (const c of cms.listAll({
    labelSelector: "paged=yes",
    limit: 2,
    resourceVersion: rv,
    resourceVersionMatch: "NotOlderThan",
  })) {
    newer.push(c.metadata?.name ?? "");
  }
  assert.deepEqual(newer, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-later"]);

  // The server's answer to the same combination on one request: a typed 422 naming the field.
  const err = await rejection(
    cms.list({ limit: 2, continue: snapshot.metadata?.continue ?? "x", resourceVersion: rv }),
  );
  assert.ok(err.code === 400 || err.code === 422, err.message);
});

test("dynamic list items carry kind and apiVersion, as client-go's UnstructuredList and kubectl give them", async (t) => {
  const ns = await createTestNamespace("cs-dyn-kinds");
  t.after(ns.cleanup);
  const e = await env();
  const cms = e.dynamic.resource(configMaps).namespace(ns.name);
  await cms.create(cm("one"));
  const deployments = e.dynamic.resource({ group: "apps", version: "v1", resource: "deployments" });
  await deployments.namespace(ns.name).create({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
      },
    },
  });

  const oracle = await kubectl(e.cp, ["get", "configmaps,deployments", "-n", ns.name, "-o", "json"]);
  assert.equal(oracle.code, 0, oracle.stderr);
  const expected = (
    JSON.parse(oracle.stdout.toString()) as { items: { kind: string; apiVersion: string }[] }
  ).items
    .map((i) => `${i.apiVersion} ${i.kind}`)
    .sort();

  const cmList = await cms.list();
  const depList = await deployments.namespace(ns.name).list();
  const ours = [...cmList.items, ...depList.items].map((i) => `${i.apiVersion} ${i.kind}`).sort();
  assert.deepEqual(ours, expected);
  assert.deepEqual(expected, ["apps/v1 Deployment", "v1 ConfigMap", "v1 ConfigMap"]);

  for await (const c of cms.listAll({ limit: 1 })) {
    assert.equal(c.kind, "ConfigMap", "listAll's items too");
    assert.equal(c.apiVersion, "v1");
  }
  // Across namespaces, for a CR (the server sets them there already: left as they are).
  const crd = await installCRD(e, "kinds.clientset.test", "Gizmo", "gizmos");
  t.after(crd.remove);
  await e.dynamic
    .resource(crd.gvr)
    .namespace(ns.name)
    .create({ apiVersion: "kinds.clientset.test/v1", kind: "Gizmo", metadata: { name: "g" } });
  const gizmos = await e.dynamic.resource(crd.gvr).list();
  assert.deepEqual(
    gizmos.items.map((g) => `${g.apiVersion} ${g.kind}`),
    ["kinds.clientset.test/v1 Gizmo"],
  );
});

test("patch types, apply conflicts, strict validation and dry runs answer as the server answers kubectl", async (t) => {
  const ns = await createTestNamespace("cs-patch-parity");
  t.after(ns.cleanup);
  const e = await env();
  const cms = e.dynamic.resource(configMaps).namespace(ns.name);
  await cms.create(cm("p", { a: "1" }));
  const json = await cms.patch("p", PatchType.JSON, [{ op: "add", path: "/data/b", value: "2" }]);
  const merge = await cms.patch("p", PatchType.Merge, { data: { c: "3" } });
  const smp = await cms.patch("p", PatchType.StrategicMerge, { data: { d: "4" } });
  assert.deepEqual(json.data, { a: "1", b: "2" });
  assert.deepEqual(merge.data, { a: "1", b: "2", c: "3" });
  assert.deepEqual(smp.data, { a: "1", b: "2", c: "3", d: "4" });

  // Strategic merge on a custom resource: 415, as `kubectl patch --type=strategic` is told.
  const crd = await installCRD(e, "smp.clientset.test", "Doohickey", "doohickeys");
  t.after(crd.remove);
  const crs = e.dynamic.resource(crd.gvr).namespace(ns.name);
  await crs.create({ apiVersion: "smp.clientset.test/v1", kind: "Doohickey", metadata: { name: "d" } });
  const smpErr = await rejection(crs.patch("d", PatchType.StrategicMerge, { spec: { replicas: 2 } }));
  assert.ok(isUnsupportedMediaType(smpErr), smpErr.message);
  const k = await kubectl(e.cp, [
    "patch",
    "doohickeys.smp.clientset.test",
    "d",
    "-n",
    ns.name,
    "--type=strategic",
    "-p",
    '{"spec":{"replicas":2}}',
  ]);
  assert.notEqual(k.code, 0);
  assert.match(k.stderr, /UnsupportedMediaType|unknown format/);

  // The status subresource, named as client-go's dynamic Patch takes it, and kubectl's --subresource.
  const st = await crs.patch("d", PatchType.Merge, { status: { phase: "up" } }, {}, "status");
  assert.deepEqual(st.status, { phase: "up" });
  const ks = await kubectl(e.cp, [
    "patch",
    "doohickeys.smp.clientset.test",
    "d",
    "-n",
    ns.name,
    "--subresource=status",
    "--type=merge",
    "-p",
    '{"status":{"phase":"down"}}',
  ]);
  assert.equal(ks.code, 0, ks.stderr);
  assert.deepEqual((await crs.get("d", {}, "status")).status, { phase: "down" });
  const ignored = await crs.patch("d", PatchType.Merge, { status: { phase: "ignored" } });
  assert.deepEqual(ignored.status, { phase: "down" }, "the main resource ignores status changes");

  // Server-side apply: another manager's field is a 409 naming the manager and the field.
  const cfg = (v: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "ssa" },
    data: { k: v },
  });
  await cms.apply(cfg("one"), { fieldManager: "manager-a" });
  const conflict = await rejection(cms.apply(cfg("two"), { fieldManager: "manager-b" }));
  assert.ok(isConflict(conflict));
  assert.match(conflict.message, /conflict with "manager-a"/);
  assert.deepEqual(
    conflict.status.details?.causes?.map((c) => [c.reason, c.field]),
    [["FieldManagerConflict", ".data.k"]],
  );
  assert.equal(
    ((await cms.apply(cfg("two"), { fieldManager: "manager-b", force: true })).data as { k?: string }).k,
    "two",
  );

  // fieldValidation=Strict: the server's 400 naming the unknown field.
  const strict = await rejection(cms.create({ ...cm("strict"), bogus: 1 }, { fieldValidation: "Strict" }));
  assert.ok(isBadRequest(strict));
  assert.match(strict.message, /unknown field "bogus"/);

  // dryRun: validated and answered with the would-be object, nothing stored.
  const dry = await cms.create(cm("dry"), { dryRun: "All" });
  assert.equal(dry.metadata?.name, "dry");
  assert.ok(isNotFound(await rejection(cms.get("dry"))));
  await cms.delete("p", { dryRun: "All" });
  assert.equal((await cms.get("p")).metadata?.name, "p");
});

test("delete preconditions, deleteCollection with a selector, and scope mistakes", async (t) => {
  const ns = await createTestNamespace("cs-delete-parity");
  t.after(ns.cleanup);
  const e = await env();
  const cms = e.dynamic.resource(configMaps).namespace(ns.name);
  const victim = await cms.create(cm("victim", {}, { sweep: "yes" }));
  await cms.create(cm("also", {}, { sweep: "yes" }));
  await cms.create(cm("keeper", {}, { sweep: "no" }));

  const uidErr = await rejection(
    cms.delete("victim", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
  );
  assert.ok(isConflict(uidErr));
  assert.match(uidErr.message, /UID in the precondition/);
  const rvErr = await rejection(cms.delete("victim", { preconditions: { resourceVersion: "1" } }));
  assert.ok(isConflict(rvErr));
  assert.match(rvErr.message, /ResourceVersion in the precondition/);
  await cms.delete("victim", {
    preconditions: { uid: victim.metadata?.uid, resourceVersion: victim.metadata?.resourceVersion },
  });

  await cms.deleteCollection({}, { labelSelector: "sweep=yes" });
  const left = (await cms.list()).items.map((c) => c.metadata?.name).filter((n) => n !== "kube-root-ca.crt");
  assert.deepEqual(left, ["keeper"]);
  const k = await kubectl(e.cp, ["get", "configmaps", "-n", ns.name, "-l", "sweep", "-o", "name"]);
  assert.equal(k.stdout.toString().trim(), "configmap/keeper");

  // A missing object in a missing namespace: the NotFound names the object, as kubectl shows it.
  const missing = await rejection(e.dynamic.resource(configMaps).namespace(`${ns.name}-none`).get("x"));
  assert.ok(isNotFound(missing));
  assert.equal(missing.status.details?.name, "x");
  // A cluster-scoped resource addressed in a namespace: the server knows no such path (404).
  const nodes = await rejection(
    e.dynamic.resource({ group: "", version: "v1", resource: "nodes" }).namespace(ns.name).list(),
  );
  assert.ok(isNotFound(nodes));
  assert.match(nodes.url, new RegExp(`/namespaces/${ns.name}/nodes`));
});
