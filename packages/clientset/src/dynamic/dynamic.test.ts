import assert from "node:assert/strict";
import { test } from "node:test";
import { PatchType } from "@org/rest";
import { RecordingRest } from "../testing/recording-rest.js";
import { DynamicClient } from "./index.js";

const gvr = { group: "stable.example.com", version: "v1", resource: "crontabs" };

test("resource(gvr) acts across namespaces; namespace(ns) narrows", async () => {
  const rest = new RecordingRest(() => ({ items: [] }));
  const dyn = new DynamicClient(rest);
  await dyn.resource(gvr).list({ labelSelector: "a=b" });
  assert.equal(rest.url(), "/apis/stable.example.com/v1/crontabs?labelSelector=a%3Db");
  await dyn.resource(gvr).namespace("web").get("c1");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1");
  await dyn.resource({ group: "", version: "v1", resource: "nodes" }).get("n1");
  assert.equal(rest.url(), "/api/v1/nodes/n1");
});

test("the verbs on unstructured objects, subresources as extra arguments", async () => {
  const rest = new RecordingRest((s) => s.body ?? {});
  const c = new DynamicClient(rest).resource(gvr).namespace("web");
  const obj = {
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: "c1" },
    spec: { x: 1 },
  };
  await c.create(obj, { fieldManager: "me" });
  assert.equal(rest.sent().method, "POST");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs?fieldManager=me");
  await c.update(obj, {}, "status");
  assert.equal(rest.sent().method, "PUT");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/status");
  await c.get("c1", {}, "scale");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/scale");
  await c.apply(obj, { fieldManager: "me", force: true });
  assert.equal(rest.sent().headers["Content-Type"], PatchType.Apply);
  assert.equal(
    rest.url(),
    "/apis/stable.example.com/v1/namespaces/web/crontabs/c1?fieldManager=me&force=true",
  );
  await c.apply(obj, { fieldManager: "me" }, "status");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/status?fieldManager=me");
  await c.delete("c1", { propagationPolicy: "Orphan" });
  assert.deepEqual(JSON.parse(String(rest.sent().body)).propagationPolicy, "Orphan");
  assert.throws(
    () => new DynamicClient(rest).resource({ group: "x", version: "", resource: "y" }),
    /version/,
  );
});

test("list fills each item's missing kind and apiVersion from the list, as client-go's UnstructuredList does", async () => {
  const rest = new RecordingRest(() => ({
    apiVersion: "apps/v1",
    kind: "DeploymentList",
    metadata: {},
    items: [
      { metadata: { name: "a" } },
      { apiVersion: "apps/v1beta9", kind: "Other", metadata: { name: "b" } },
    ],
  }));
  const list = await new DynamicClient(rest)
    .resource({ group: "apps", version: "v1", resource: "deployments" })
    .list();
  assert.deepEqual(
    list.items.map((i) => [i.apiVersion, i.kind, i.metadata?.name]),
    [
      ["apps/v1", "Deployment", "a"],
      ["apps/v1beta9", "Other", "b"],
    ],
  );
  const empty = new DynamicClient(new RecordingRest(() => ({ items: [{ metadata: { name: "x" } }] })));
  const bare = await empty.resource(gvr).list();
  assert.deepEqual(bare.items[0], { metadata: { name: "x" } }, "a list without kind adds nothing");
});

test("patch takes subresources as extra arguments too, as client-go's dynamic Patch does", async () => {
  const rest = new RecordingRest(() => ({}));
  const c = new DynamicClient(rest).resource(gvr).namespace("web");
  await c.patch("c1", PatchType.Merge, { status: { x: 1 } }, { fieldManager: "me" }, "status");
  assert.equal(rest.sent().method, "PATCH");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/status?fieldManager=me");
  assert.equal(rest.sent().headers["Content-Type"], PatchType.Merge);
  await c.patch("c1", PatchType.Merge, {}, { subresource: "scale" });
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/scale");
  await assert.rejects(
    c.patch("c1", PatchType.Merge, {}, { subresource: "scale" }, "status"),
    /subresource given twice/,
  );
});

test("delete takes subresources as extra arguments, as client-go's dynamic Delete does", async () => {
  const rest = new RecordingRest(() => ({}));
  const c = new DynamicClient(rest).resource(gvr).namespace("web");
  await c.delete("c1", { propagationPolicy: "Orphan" }, "status");
  assert.equal(rest.sent().method, "DELETE");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/status");
  assert.equal(JSON.parse(String(rest.sent().body)).propagationPolicy, "Orphan", "options in the body");
  await c.delete("c1", {}, "a", "b");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/a/b");
  await c.delete("c1", {}, "");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1", "empty ones dropped");
  await assert.rejects(c.delete("", {}, "status"), /resource name may not be empty/);
});

test("a nameless object with subresources is a rejected promise, not a synchronous throw", async () => {
  const rest = new RecordingRest(() => ({}));
  const c = new DynamicClient(rest).resource(gvr).namespace("web");
  const nameless = { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: {} };
  const calls = [
    () => c.create(nameless, {}, "status"),
    () => c.update(nameless, {}, "status"),
    () => c.apply(nameless, { fieldManager: "me" }, "status"),
  ];
  for (const call of calls) {
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      p = call();
    });
    await assert.rejects(p!, { name: "TypeError", message: /resource name may not be empty/ });
  }
  assert.equal(rest.calls.length, 0, "nothing sent");
});

test("several subresources are path segments; empty ones are dropped, as client-go's path.Join does", async () => {
  const rest = new RecordingRest(() => ({}));
  const c = new DynamicClient(rest).resource(gvr).namespace("web");
  await c.get("c1", {}, "status", "");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/status");
  await c.update({ metadata: { name: "c1" } }, {}, "", "scale");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1/scale");
  await c.patch("c1", PatchType.Merge, {}, {}, "");
  assert.equal(rest.url(), "/apis/stable.example.com/v1/namespaces/web/crontabs/c1");
});
