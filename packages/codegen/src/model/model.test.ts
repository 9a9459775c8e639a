import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fromV2, fromV3 } from "../load/normalize.js";
import { buildModel, parsePath, type ResourceModel } from "./model.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures");
const read = (p: string) => JSON.parse(readFileSync(join(fixtures, p), "utf8"));
const model = buildModel(fromV2(read("mini.swagger.json"), "mini.swagger.json"));
const resource = (gv: string, plural: string): ResourceModel => {
  const g = model.groupVersions.find((x) => `${x.group || "core"}/${x.version}` === gv);
  const r = g?.resources.find((x) => x.resource === plural);
  assert.ok(r, `${gv} ${plural} in the model`);
  return r;
};

describe("parsePath", () => {
  it("reads group, version, scope, watch, resource, item and subresource", () => {
    assert.deepEqual(parsePath("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"), {
      group: "apps",
      version: "v1",
      namespaced: true,
      watch: false,
      plural: "deployments",
      item: true,
      sub: "scale",
    });
    assert.deepEqual(parsePath("/api/v1/watch/namespaces"), {
      group: "",
      version: "v1",
      namespaced: false,
      watch: true,
      plural: "namespaces",
      item: false,
    });
    // A namespace's own subresource is not a namespaced path.
    assert.equal(parsePath("/api/v1/namespaces/{name}/finalize")?.namespaced, false);
    assert.equal(parsePath("/api/v1/namespaces/{name}/finalize")?.sub, "finalize");
    assert.equal(parsePath("/version/"), undefined);
  });
});

describe("buildModel", () => {
  it("lists group-versions core first, with client-go's method names", () => {
    assert.deepEqual(
      model.groupVersions.map((g) => [g.method, g.interfaceName, g.path, g.resources.map((r) => r.getter)]),
      [
        ["coreV1", "CoreV1Interface", "core/v1", ["bindings", "componentStatuses", "namespaces", "pods"]],
        ["appsV1", "AppsV1Interface", "apps/v1", ["deployments"]],
      ],
    );
  });
  it("gives each resource exactly the verbs its paths declare", () => {
    assert.deepEqual(resource("core/v1", "bindings").verbs, ["create"]);
    assert.deepEqual(resource("core/v1", "componentstatuses").verbs, ["get", "list"]);
    assert.deepEqual(resource("core/v1", "namespaces").verbs, [
      "create",
      "update",
      "delete",
      "get",
      "list",
      "watch",
      "patch",
      "apply",
    ]);
    assert.deepEqual(resource("core/v1", "pods").verbs, [
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
    ]);
  });
  it("knows scope, kinds, list kinds and type references", () => {
    const pods = resource("core/v1", "pods");
    assert.equal(pods.namespaced, true);
    assert.equal(resource("core/v1", "namespaces").namespaced, false);
    assert.equal(resource("core/v1", "componentstatuses").namespaced, false);
    assert.deepEqual(
      [pods.kind, pods.listKind, pods.interfaceName, pods.type, pods.listType, pods.applyType],
      [
        "Pod",
        "PodList",
        "PodInterface",
        { module: "core/v1", name: "Pod" },
        { module: "core/v1", name: "PodList" },
        { module: "core/v1", name: "PodApplyConfiguration" },
      ],
    );
    assert.equal(resource("core/v1", "bindings").listType, undefined);
  });
  it("models subresources with verbs, kinds, types and client-go method names; connect rows kept", () => {
    const subs = Object.fromEntries(resource("core/v1", "pods").subresources.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(subs), ["binding", "eviction", "exec", "log", "status"]);
    assert.deepEqual(subs.eviction, {
      name: "eviction",
      verbs: ["create"],
      connect: false,
      apply: false,
      methods: ["evict"],
      kind: { group: "policy", version: "v1", kind: "Eviction" },
      requestType: { module: "policy/v1", name: "Eviction" },
      responseType: { module: "policy/v1", name: "Eviction" },
    });
    assert.deepEqual(subs.exec, {
      name: "exec",
      verbs: ["connect"],
      connect: true,
      apply: false,
      methods: ["exec"],
      responseType: "string",
    });
    assert.deepEqual([subs.log?.verbs, subs.log?.methods, subs.log?.responseType], [["get"], [], "string"]);
    assert.deepEqual(
      [subs.status?.verbs, subs.status?.apply, subs.status?.methods],
      [["get", "update", "patch"], true, []],
    );
    const scale = resource("apps/v1", "deployments").subresources[0];
    assert.deepEqual(
      [scale?.name, scale?.methods, scale?.kind, scale?.applyType],
      [
        "scale",
        ["getScale", "updateScale", "applyScale"],
        { group: "autoscaling", version: "v1", kind: "Scale" },
        { module: "autoscaling/v1", name: "ScaleApplyConfiguration" },
      ],
    );
    const finalize = resource("core/v1", "namespaces").subresources[0];
    assert.deepEqual(
      [finalize?.name, finalize?.methods, finalize?.kind],
      ["finalize", ["finalize"], undefined],
    );
    assert.deepEqual(model.unmapped, []);
  });
  it("places every definition in its module, literal apiVersion/kind only for single-GVK kinds", () => {
    const modules = Object.fromEntries(model.typeModules.map((m) => [m.path, m.decls.map((d) => d.name)]));
    assert.deepEqual(Object.keys(modules), [
      "apps/v1",
      "autoscaling/v1",
      "core/v1",
      "intstr",
      "meta/v1",
      "policy/v1",
      "resource",
    ]);
    assert.deepEqual(modules["meta/v1"], ["DeleteOptions", "ListMeta", "ObjectMeta", "Time"]);
    const decls = model.typeModules.flatMap((m) => m.decls);
    const pod = decls.find((d) => d.definition === "io.k8s.api.core.v1.Pod");
    assert.deepEqual([pod?.gvk, pod?.apply], [{ apiVersion: "v1", kind: "Pod" }, true]);
    const dep = decls.find((d) => d.name === "Deployment");
    assert.deepEqual(dep?.gvk, { apiVersion: "apps/v1", kind: "Deployment" });
    const list = decls.find((d) => d.name === "PodList");
    assert.deepEqual([list?.gvk?.kind, list?.apply], ["PodList", false]);
    const del = decls.find((d) => d.name === "DeleteOptions");
    assert.deepEqual([del?.gvk, del?.apply], [undefined, false]);
  });
  it("models CRDs from v3 documents: typed kind, scale and status subresources", () => {
    const crd = buildModel(
      fromV3([read("v3/api/v1.json"), read("v3/apis/stable.example.com/v1.json")], "v3/"),
    );
    const gv = crd.groupVersions.find((g) => g.group === "stable.example.com");
    assert.deepEqual([gv?.method, gv?.path], ["stableV1", "stable.example.com/v1"]);
    const r = gv?.resources[0];
    assert.deepEqual(
      [r?.getter, r?.namespaced, r?.type, r?.verbs],
      [
        "cronTabs",
        true,
        { module: "stable.example.com/v1", name: "CronTab" },
        [
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
        ],
      ],
    );
    assert.deepEqual(
      r?.subresources.map((s) => [s.name, s.methods]),
      [
        ["scale", ["getScale", "updateScale"]],
        ["status", []],
      ],
    );
  });
  it("infers watch from the list's watch parameter where the documents leave out /watch/ paths (CRDs)", () => {
    const doc = read("v3/apis/stable.example.com/v1.json");
    delete doc.paths["/apis/stable.example.com/v1/watch/crontabs"];
    const list = buildModel(fromV3([doc], "v3/")).groupVersions[0]?.resources[0];
    assert.equal(list?.verbs.includes("watch"), false);
    doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs"].parameters = [
      { name: "watch", in: "query", schema: { type: "boolean" } },
    ];
    const watched = buildModel(fromV3([doc], "v3/")).groupVersions[0]?.resources[0];
    assert.equal(watched?.verbs.includes("watch"), true);
    // componentstatuses' list takes `watch` too, but core/v1 has /watch/ paths: they decide.
    const core = read("mini.swagger.json");
    core.paths["/api/v1/componentstatuses"].parameters = [{ name: "watch", in: "query", type: "boolean" }];
    const cs = buildModel(fromV2(core, "m")).groupVersions[0]?.resources.find(
      (r) => r.resource === "componentstatuses",
    );
    assert.deepEqual(cs?.verbs, ["get", "list"]);
  });
});
