// A CRD package's schema table in the fake: `org-codegen crd` generates the package of a CRD whose
// lists are a list-map (one key and two keys), a set and atomic, with a granular and an atomic map,
// defaults, a nullable field, an open and an embedded object; the same sequence (two managers
// applying shared and conflicting fields, a forced apply, fields a manager stops applying,
// applyStatus, a create with unknown fields and nulls, a Strict create) runs against the real
// kube-apiserver and against a fake given the generated `schemaTable` (FakeServerOptions.schemas).
// Every step's object and managedFields, or error, must be the same on both. Without the table the
// fake treats the lists as atomic, so the first merge step already differs (checked too).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { generateCrds } from "@org/codegen";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { DynamicClient } from "../../src/dynamic/index.js";
import { newFakeClientset, newFakeClientsetWithOptions, type SchemaTable } from "../../src/fake/index.js";
import { env, type Obj } from "../support.js";
import { errorOf, mask } from "./target.js";

const group = `${uniqueNamespaceName("schema")}.example.com`;
const gvr = { group, version: "v1", resource: "routers" };
const scratchRoot = join(import.meta.dirname, "..", "..", "..", "..", "node_modules", ".cache");
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, "fake-crd-schema-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const str = { type: "string" };
const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `routers.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural: "routers", singular: "router", kind: "Router" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  ports: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    items: {
                      type: "object",
                      required: ["name"],
                      properties: {
                        name: str,
                        port: { type: "integer" },
                        protocol: { type: "string", default: "TCP" },
                      },
                    },
                  },
                  routes: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["host", "port"],
                    items: {
                      type: "object",
                      required: ["host", "port"],
                      properties: { host: str, port: { type: "integer" }, backend: str },
                    },
                  },
                  tags: { type: "array", "x-kubernetes-list-type": "set", items: str },
                  args: { type: "array", items: str },
                  labels: { type: "object", additionalProperties: str },
                  selector: {
                    type: "object",
                    "x-kubernetes-map-type": "atomic",
                    properties: { app: str, tier: str },
                  },
                  replicas: { type: "integer", default: 1 },
                  strategy: {
                    type: "object",
                    default: {},
                    properties: {
                      type: { type: "string", default: "Rolling" },
                      maxSurge: { type: "integer" },
                    },
                  },
                  note: { type: "string", default: "none" },
                  comment: { type: "string", nullable: true },
                  open: {
                    type: "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    properties: { known: { type: "string", default: "k" } },
                  },
                  template: {
                    type: "object",
                    "x-kubernetes-embedded-resource": true,
                    properties: {
                      data: { type: "object", properties: { x: { type: "string", default: "d" } } },
                    },
                  },
                },
              },
              status: { type: "object", properties: { ready: { type: "boolean" } } },
            },
          },
        },
      },
    ],
  },
};

/** Generates the CRD package as a user would (org-codegen crd) and loads its schema table. */
async function generatedSchema(): Promise<SchemaTable> {
  const file = join(scratch, "routers.json");
  writeFileSync(file, JSON.stringify(crd));
  const { dir } = await generateCrds({ paths: [file], out: scratch });
  const mod = await import(pathToFileURL(join(dir, "clientset", "schema.ts")).href);
  return mod.schemaTable as SchemaTable;
}

const router = (spec: Obj) => ({ apiVersion: `${group}/v1`, kind: "Router", metadata: { name: "r" }, spec });

/** The apply sequence; each step's observation: the object (spec and managedFields) or the error. */
async function sequence(dyn: DynamicClient, ns: string): Promise<unknown[]> {
  const routers = dyn.resource(gvr).namespace(ns);
  const observe = (o: Obj) =>
    mask({
      spec: o.spec,
      managedFields: (o.metadata?.managedFields ?? []).map((m: Obj) => ({
        manager: m.manager,
        operation: m.operation,
        ...(m.subresource === undefined ? {} : { subresource: m.subresource }),
        fieldsV1: m.fieldsV1,
      })),
      generation: o.metadata?.generation,
    });
  const apply = async (spec: Obj, manager: string, force = false) => {
    try {
      return observe((await routers.apply(router(spec), { fieldManager: manager, force })) as Obj);
    } catch (err) {
      return errorOf(err);
    }
  };
  const steps: unknown[] = [];
  steps.push(
    await apply(
      {
        ports: [{ name: "http", port: 80, protocol: "TCP" }],
        routes: [{ host: "a.example.com", port: 80, backend: "web" }],
        tags: ["blue"],
        args: ["--one"],
        labels: { team: "a" },
        selector: { app: "web" },
      },
      "m1",
    ),
  );
  // Another manager's items join by key; the set and the granular map merge; equal values are shared.
  steps.push(
    await apply(
      {
        ports: [{ name: "https", port: 443 }],
        routes: [
          { host: "a.example.com", port: 443, backend: "tls" },
          { host: "a.example.com", port: 80, backend: "web" },
        ],
        tags: ["green", "blue"],
        labels: { owner: "b" },
      },
      "m2",
    ),
  );
  // Conflicts: an item field m1 owns with another value, an atomic list, an atomic map.
  steps.push(await apply({ ports: [{ name: "http", port: 8080 }] }, "m2"));
  steps.push(await apply({ args: ["--two"] }, "m2"));
  steps.push(await apply({ selector: { app: "web", tier: "front" } }, "m2"));
  // Forced: m2 takes the field over.
  steps.push(await apply({ ports: [{ name: "http", port: 8080 }], tags: ["green"] }, "m2", true));
  // m1 stops applying its port item, its route (shared with m2: kept), a tag and a label.
  steps.push(
    await apply({ routes: [{ host: "b.example.com", port: 80, backend: "web" }], args: ["--one"] }, "m1"),
  );
  // Status by its own manager through the status subresource keeps spec's owners.
  try {
    const o = await routers.applyStatus(
      { apiVersion: `${group}/v1`, kind: "Router", metadata: { name: "r" }, status: { ready: true } },
      { fieldManager: "m3" },
    );
    steps.push(observe(o as Obj));
  } catch (err) {
    steps.push(errorOf(err));
  }
  // Created by POST: unknown fields pruned, nulls, defaults (inside defaults, list items, open and
  // embedded objects too), an Update manager's fields.
  try {
    const o = await routers.create({
      ...router({
        bogus: 1,
        note: null,
        comment: null,
        replicas: null,
        open: { known: null, anything: { deep: 1 } },
        ports: [{ name: "x" }],
        template: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "t" }, data: {}, more: 1 },
      }),
      metadata: { name: "r2", labels: { app: "r2" } },
      extra: true,
    });
    steps.push({ ...(observe(o as Obj) as Obj), extra: (o as Obj).extra });
  } catch (err) {
    steps.push(errorOf(err));
  }
  // fieldValidation=Strict refuses the unknown fields, naming each by its path.
  try {
    await routers.create(
      {
        ...router({ ports: [{ name: "a", bogus: 1 }], open: { free: 1 } }),
        metadata: { name: "r3" },
        extra: 1,
      },
      { fieldValidation: "Strict" },
    );
    steps.push("created");
  } catch (err) {
    steps.push(errorOf(err));
  }
  return steps;
}

async function installAndRun(dyn: DynamicClient, ns: string): Promise<unknown[]> {
  const crds = dyn.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  await crds.create(crd);
  try {
    for (let i = 0; ; i++) {
      try {
        await dyn.resource(gvr).namespace(ns).list({ limit: 1 });
        break;
      } catch (err) {
        if (i >= 300) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return await sequence(dyn, ns);
  } finally {
    await crds.delete(crd.metadata.name).catch(() => {});
  }
}

test("a CRD with list-maps, sets, atomic fields and defaults: the fake with the generated schema table agrees with the real server", {
  timeout: 120_000,
}, async (t) => {
  const schema = await generatedSchema();
  assert.ok(schema.roots[`${group}/v1/Router`] !== undefined, "the generated table has the Router root");

  const e = await env();
  const ns = await createTestNamespace("crd-schema");
  let real: unknown[];
  try {
    real = await installAndRun(e.dynamic, ns.name);
  } finally {
    await ns.cleanup();
  }

  const fake = newFakeClientsetWithOptions({ schemas: [schema] });
  await fake
    .coreV1()
    .namespaces()
    .create({ metadata: { name: ns.name } });
  const faked = await installAndRun(new DynamicClient(fake.restClient), ns.name);

  real.forEach((r, i) => {
    t.diagnostic(`step ${i + 1}\n  real: ${JSON.stringify(r)}\n  fake: ${JSON.stringify(faked[i])}`);
  });
  // The sequence means something: merges by key and conflicts happened on the real server.
  const merged = real[1] as { spec: Obj };
  assert.deepEqual(
    merged.spec.ports.map((p: Obj) => p.name),
    ["http", "https"],
  );
  assert.equal((real[2] as Obj).code, 409);
  assert.deepEqual((real[8] as { spec: Obj }).spec.strategy, { type: "Rolling" }, "defaults were set");
  assert.equal((real[9] as Obj).code, 400);
  assert.deepEqual(faked, real);

  // The built-in table is still there under the CRD's: a ConfigMap's unknown fields are dropped.
  const cm = await fake
    .coreV1()
    .configMaps(ns.name)
    .create({ metadata: { name: "c" }, data: { k: "v" }, bogus: 1 } as never);
  assert.equal((cm as Obj).bogus, undefined);

  // Without the CRD's table the fake merges the lists atomically: the second step already differs.
  const plain = newFakeClientset();
  await plain
    .coreV1()
    .namespaces()
    .create({ metadata: { name: ns.name } });
  const withoutTable = await installAndRun(new DynamicClient(plain.restClient), ns.name);
  assert.ok(!isDeepStrictEqual(withoutTable[1], real[1]), "without the schema table step 2 differs");
});
