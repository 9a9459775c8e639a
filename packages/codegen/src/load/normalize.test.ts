import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fromDocument, fromV2, fromV3, isV3Index, normalizeSchema } from "./normalize.js";
import { SpecError } from "./spec.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures");
const mini = () => JSON.parse(readFileSync(join(fixtures, "mini.swagger.json"), "utf8"));
const v3 = (p: string) => JSON.parse(readFileSync(join(fixtures, "v3", p), "utf8"));

describe("normalizeSchema", () => {
  it("rewrites v2 refs to components/schemas", () => {
    assert.deepEqual(normalizeSchema({ $ref: "#/definitions/io.k8s.api.core.v1.Pod" }), {
      $ref: "#/components/schemas/io.k8s.api.core.v1.Pod",
    });
  });
  it("unwraps v3's allOf around a single ref and keeps the description", () => {
    assert.deepEqual(
      normalizeSchema({ allOf: [{ $ref: "#/components/schemas/X" }], default: {}, description: "d" }),
      { $ref: "#/components/schemas/X", default: {}, description: "d" },
    );
  });
  it("makes IntOrString integer | string (v2 format and v3 extension)", () => {
    const want = { anyOf: [{ type: "integer" }, { type: "string" }] };
    assert.deepEqual(normalizeSchema({ type: "string", format: "int-or-string" }), {
      format: "int-or-string",
      ...want,
    });
    assert.deepEqual(normalizeSchema({ "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }] }), {
      "x-kubernetes-int-or-string": true,
      ...want,
    });
  });
  it("keeps unknown fields of x-kubernetes-preserve-unknown-fields objects", () => {
    assert.deepEqual(normalizeSchema({ type: "object", "x-kubernetes-preserve-unknown-fields": true }), {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      additionalProperties: true,
    });
  });
  it("leaves x-kubernetes-preserve-unknown-fields without a type untyped: any JSON value, not an object", () => {
    const untyped = { "x-kubernetes-preserve-unknown-fields": true };
    assert.deepEqual(normalizeSchema(untyped), untyped);
    assert.deepEqual(normalizeSchema({ type: "array", items: untyped }), { type: "array", items: untyped });
    assert.deepEqual(normalizeSchema({ type: "object", additionalProperties: untyped }), {
      type: "object",
      additionalProperties: untyped,
    });
    // With properties (and no type) it is an object with unknown fields, as before.
    assert.deepEqual(normalizeSchema({ ...untyped, properties: { a: { type: "string" } } }), {
      ...untyped,
      properties: { a: { type: "string" } },
      type: "object",
      additionalProperties: true,
    });
  });
  it("does not treat a property named $ref or enum values as schemas", () => {
    assert.deepEqual(normalizeSchema({ properties: { $ref: { type: "string" } }, enum: [{ $ref: "x" }] }), {
      properties: { $ref: { type: "string" } },
      enum: [{ $ref: "x" }],
    });
  });
});

describe("fromV2", () => {
  it("extracts operations with action, gvk, content types, body and response", () => {
    const spec = fromV2(mini(), "mini.swagger.json");
    assert.equal(spec.source, "mini.swagger.json");
    const eviction = spec.operations.find((o) => o.path.endsWith("/pods/{name}/eviction"));
    assert.deepEqual(eviction, {
      path: "/api/v1/namespaces/{namespace}/pods/{name}/eviction",
      method: "post",
      action: "post",
      gvk: { group: "policy", version: "v1", kind: "Eviction" },
      consumes: ["*/*"],
      requestSchema: "io.k8s.api.policy.v1.Eviction",
      responseSchema: "io.k8s.api.policy.v1.Eviction",
    });
    const log = spec.operations.find((o) => o.path.endsWith("/log"));
    assert.equal(log?.responseType, "string");
    const patch = spec.operations.find(
      (o) => o.path === "/api/v1/namespaces/{namespace}/pods/{name}" && o.method === "patch",
    );
    assert.ok(patch?.consumes.includes("application/apply-patch+yaml"));
  });
  it("skips paths without x-kubernetes-action and sorts operations", () => {
    const spec = fromV2(mini(), "m");
    assert.ok(!spec.operations.some((o) => o.path === "/api/v1/"));
    const keys = spec.operations.map((o) => o.path);
    assert.deepEqual(keys, [...keys].sort());
  });
  it("resolves shared body parameters", () => {
    const doc = mini();
    doc.parameters = { "body-x": { in: "body", name: "body", schema: { $ref: "#/definitions/X" } } };
    doc.paths["/api/v1/namespaces/{namespace}/bindings"].post.parameters = [{ $ref: "#/parameters/body-x" }];
    const op = fromV2(doc, "m").operations.find((o) => o.path.endsWith("/bindings"));
    assert.equal(op?.requestSchema, "X");
  });
  it("rejects a document that is not a Kubernetes spec", () => {
    assert.throws(
      () =>
        fromV2(
          { swagger: "2.0", paths: { "/pets": { get: { responses: {} } } }, definitions: {} },
          "pets.json",
        ),
      (e: unknown) => e instanceof SpecError && /pets\.json is not a Kubernetes API spec/.test(e.message),
    );
  });
  it("spells out apiextensions' JSONSchemaPropsOr* unions", () => {
    const doc = mini();
    const ext = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
    doc.definitions[`${ext}.JSONSchemaPropsOrBool`] = { description: "either" };
    const spec = fromV2(doc, "m");
    assert.deepEqual(spec.schemas[`${ext}.JSONSchemaPropsOrBool`], {
      description: "either",
      anyOf: [{ $ref: `#/components/schemas/${ext}.JSONSchemaProps` }, { type: "boolean" }],
    });
  });
});

describe("fromV3", () => {
  it("merges documents: shared schemas once, request bodies from requestBody content", () => {
    const spec = fromV3([v3("api/v1.json"), v3("apis/stable.example.com/v1.json")], "v3/");
    assert.ok("io.k8s.api.core.v1.ConfigMap" in spec.schemas);
    assert.ok("com.example.stable.v1.CronTab" in spec.schemas);
    assert.deepEqual(Object.keys(spec.schemas), Object.keys(spec.schemas).sort());
    const post = spec.operations.find((o) => o.method === "post");
    assert.equal(post?.requestSchema, "com.example.stable.v1.CronTab");
    const patch = spec.operations.find((o) => o.method === "patch");
    assert.deepEqual(patch?.consumes, [
      "application/apply-patch+yaml",
      "application/json-patch+json",
      "application/merge-patch+json",
    ]);
    const cronTab = spec.schemas["com.example.stable.v1.CronTab"] as { properties: Record<string, unknown> };
    assert.deepEqual(cronTab.properties.metadata, {
      $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      default: {},
      description: "Standard object metadata.",
    });
  });
  it("types Quantity as the string it is on the wire, as v2 documents do (v3 says string or number)", () => {
    const doc = v3("api/v1.json") as { components: { schemas: Record<string, unknown> } };
    const quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    doc.components.schemas[quantity] = { description: "Q", oneOf: [{ type: "string" }, { type: "number" }] };
    assert.deepEqual(fromV3([doc], "v3/").schemas[quantity], { description: "Q", type: "string" });
  });
  it("rejects documents that are not OpenAPI 3", () => {
    assert.throws(() => fromV3([{ swagger: "2.0" }], "d/"), SpecError);
  });
});

describe("fromDocument / isV3Index", () => {
  it("dispatches on the version field and rejects other JSON", () => {
    assert.equal(fromDocument(mini(), "m").operations.length > 0, true);
    assert.throws(() => fromDocument({ hello: "world" }, "x.json"), /x\.json is not an OpenAPI document/);
  });
  it("recognizes the /openapi/v3 index", () => {
    assert.equal(
      isV3Index({ paths: { "api/v1": { serverRelativeURL: "/openapi/v3/api/v1?hash=1" } } }),
      true,
    );
    assert.equal(isV3Index({ openapi: "3.0.0", paths: {} }), false);
  });
});
