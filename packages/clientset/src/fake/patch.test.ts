// Given/want tests of the patch and apply logic on small objects, with schema data written for them
// (the contract suite checks the same logic against the real server on the generated table).
import assert from "node:assert/strict";
import { test } from "node:test";
import { leaves, serverSideApply, updateManagedFields } from "./managed.js";
import { applyJSONPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from "./patch.js";
import type { SchemaTable } from "./schema.js";

const schema: SchemaTable = {
  types: {
    Root: { spec: { ref: "Spec" }, metadata: { ref: "Meta" } },
    Meta: { labels: { map: true }, finalizers: { list: "set", strategy: "merge" } },
    Spec: {
      items: { list: "map", keys: ["name"], mergeKey: "name", strategy: "merge", ref: "Item" },
      tags: { list: "atomic" },
      selector: { map: true, atomic: true },
    },
    Item: { ports: { list: "map", keys: ["port"], mergeKey: "port", strategy: "merge" } },
  },
  roots: { "/v1/Root": "Root" },
};

test("JSON patch: add to arrays with -, move, copy; a failing test stops the patch", () => {
  const doc = { a: [1, 2], b: { c: "x" } };
  assert.deepEqual(
    applyJSONPatch(doc, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "move", from: "/b/c", path: "/d" },
      { op: "copy", from: "/d", path: "/e" },
      { op: "add", path: "/a/0", value: 0 },
    ]),
    { a: [0, 1, 2, 3], b: {}, d: "x", e: "x" },
  );
  assert.deepEqual(doc, { a: [1, 2], b: { c: "x" } }, "the input is not changed");
  assert.throws(() => applyJSONPatch(doc, [{ op: "test", path: "/b/c", value: "y" }]), PatchError);
  assert.throws(() => applyJSONPatch(doc, [{ op: "replace", path: "/nope/x", value: 1 }]), PatchError);
});

test("merge patch: null deletes, objects merge, arrays replace", () => {
  assert.deepEqual(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [9] }), {
    a: { c: 2, d: 3 },
    l: [9],
  });
});

test("strategic merge patch: merge keys, $patch delete/replace, $retainKeys, primitive deletes, atomic lists", () => {
  const doc = {
    spec: {
      items: [
        { name: "a", v: 1, ports: [{ port: 80 }] },
        { name: "b", v: 2 },
      ],
      tags: ["x", "y"],
      selector: { k: "1", j: "2" },
    },
    metadata: { finalizers: ["f1"] },
  };
  const out = applyStrategicMergePatch(
    doc,
    {
      spec: {
        items: [
          { name: "c", v: 3 },
          { name: "a", ports: [{ port: 443 }] },
          { name: "b", $patch: "delete" },
        ],
        tags: ["z"],
        selector: { k: "9" },
      },
      metadata: { finalizers: ["f2"], $deleteFromPrimitiveList: undefined },
    },
    schema,
    "Root",
  );
  assert.deepEqual(out.spec, {
    items: [
      { name: "c", v: 3 },
      { name: "a", v: 1, ports: [{ port: 443 }, { port: 80 }] },
    ],
    tags: ["z"],
    selector: { k: "9" },
  });
  assert.deepEqual(out.metadata.finalizers, ["f2", "f1"]);
  const replaced = applyStrategicMergePatch(doc, { spec: { $patch: "replace", tags: [] } }, schema, "Root");
  assert.deepEqual(replaced.spec, { tags: [] });
  const retained = applyStrategicMergePatch(
    doc,
    { spec: { $retainKeys: ["tags"], tags: ["q"] } },
    schema,
    "Root",
  );
  assert.deepEqual(retained.spec, { tags: ["q"] });
  const removed = applyStrategicMergePatch(
    doc,
    { metadata: { "$deleteFromPrimitiveList/finalizers": ["f1"] } },
    schema,
    "Root",
  );
  assert.deepEqual(removed.metadata.finalizers, []);
});

test("server-side apply: list-map items are keyed, conflicts name the manager, removal spares shared fields", () => {
  const base = { apiVersion: "v1", kind: "Root", metadata: { name: "r" } };
  const now = "2026-01-01T00:00:00Z";
  const apply = (live: object | undefined, config: object, manager: string, force = false) =>
    serverSideApply({
      live: live as never,
      config: { ...base, ...config },
      manager,
      apiVersion: "v1",
      force,
      schema,
      type: "Root",
      now,
    });
  const r1 = apply(undefined, { spec: { items: [{ name: "a", v: 1 }] } }, "m1");
  assert.ok("object" in r1);
  assert.deepEqual(r1.object.metadata.managedFields[0].fieldsV1, {
    "f:spec": { "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:v": {} } } },
  });
  const r2 = apply(r1.object, { spec: { items: [{ name: "b", v: 2 }] } }, "m2");
  assert.ok("object" in r2);
  assert.deepEqual(
    r2.object.spec.items.map((i: { name: string }) => i.name),
    ["a", "b"],
  );
  const r3 = apply(r2.object, { spec: { items: [{ name: "b", v: 3 }] } }, "m1");
  assert.deepEqual("conflicts" in r3 ? r3.conflicts : r3, [
    { manager: '"m2"', field: '.spec.items[name="b"].v' },
  ]);
  const r4 = apply(r2.object, { spec: { items: [{ name: "b", v: 3 }] } }, "m1", true);
  assert.ok("object" in r4);
  // m1 no longer applies item a: it is removed; item b (now m1's v, m2's name) stays.
  assert.deepEqual(r4.object.spec.items, [{ name: "b", v: 3 }]);
  const m2 = r4.object.metadata.managedFields.find((e: { manager: string }) => e.manager === "m2");
  assert.deepEqual(leaves(m2.fieldsV1), [
    ["f:spec", "f:items", 'k:{"name":"b"}', "."],
    ["f:spec", "f:items", 'k:{"name":"b"}', "f:name"],
  ]);
});

test("an update takes the fields it changes from their owners and records maps it creates with '.'", () => {
  const old = {
    metadata: {
      name: "r",
      managedFields: [
        {
          manager: "a",
          operation: "Apply",
          apiVersion: "v1",
          time: "t",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:spec": { "f:tags": {} } },
        },
      ],
    },
    spec: { tags: ["x"] },
  };
  const next = { metadata: { name: "r", labels: { l: "1" } }, spec: { tags: ["y"] } };
  const entries = updateManagedFields({
    old,
    next,
    manager: "u",
    apiVersion: "v1",
    schema,
    type: "Root",
    now: "t2",
  });
  assert.deepEqual(
    entries.map((e) => [e.manager, e.operation, e.fieldsV1]),
    [["u", "Update", { "f:metadata": { "f:labels": { ".": {}, "f:l": {} } }, "f:spec": { "f:tags": {} } }]],
  );
});
