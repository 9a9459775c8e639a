// Generating from a live kube-apiserver (/openapi/v3 through @org/rest) gives the same clientset
// surface as generating from the snapshot of its version, and a CRD installed in the cluster gets a
// typed client.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildConfigFromFlags, RESTClient } from "@org/rest";
import { startControlPlane } from "@org/testenv";
import { getControlPlane } from "@org/testenv/harness";
import { emit, expansionLookup } from "../src/generate.js";
import { readSpec } from "../src/load/read.js";
import { type ApiModel, buildModel } from "../src/model/model.js";
import { snapshotFor, surface } from "./surface.js";
import { repo, scratchDir, typecheckGenerated } from "./typecheck.js";

const expansions = join(repo, "packages", "clientset", "src", "expansions");
const scratch = scratchDir("codegen-live-");
after(() => scratch.remove());

describe("generation from a live cluster", () => {
  it("matches the snapshot of its version for every group-version the server serves; the rest are disabled alpha/beta", async () => {
    const cp = await getControlPlane();
    const snapModel = snapshotFor(cp.version);
    // The shared control plane also serves the CRDs other test files install meanwhile: built-in groups only.
    const builtIn = new Set(snapModel.groupVersions.map((g) => g.group));
    const liveModel = buildModel(await readSpec({ kind: "cluster", kubeconfig: cp.kubeconfigPath }));
    const live = surface({
      ...liveModel,
      groupVersions: liveModel.groupVersions.filter((g) => builtIn.has(g.group)),
    });
    const snap = surface(snapModel);
    for (const [method, resources] of live) assert.deepEqual(resources, snap.get(method), method);
    const missing = [...snap.keys()].filter((m) => !live.has(m));
    for (const m of missing)
      assert.match(m, /V\d+(alpha|beta)\d+$/, `${m} is served by default but missing live`);
    assert.ok(live.size >= 20, `${live.size} group-versions live`);
  });

  it("matches the snapshot exactly when the server enables every API (runtime-config api/all)", async () => {
    const cp = await startControlPlane({
      controllers: [],
      stopOnExit: true,
      apiServerFlags: ["--runtime-config=api/all=true", "--feature-gates=AllAlpha=true,AllBeta=true"],
    });
    try {
      const live = surface(buildModel(await readSpec({ kind: "cluster", kubeconfig: cp.kubeconfigPath })));
      const snap = snapshotFor(cp.version);
      assert.deepEqual(live, surface(snap));
      assert.equal(live.size, snap.groupVersions.length);
    } finally {
      await cp.stop();
    }
  });

  it("gives a CRD installed in the cluster a typed client that type-checks", async () => {
    const cp = await getControlPlane();
    const client = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
    const group = `codegen${randomBytes(4).toString("hex")}.example.com`;
    const name = `crontabs.${group}`;
    await client.request({
      method: "POST",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      body: {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name },
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "crontabs", singular: "crontab", kind: "CronTab", listKind: "CronTabList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              subresources: {
                status: {},
                scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
              },
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      required: ["cronSpec"],
                      properties: {
                        cronSpec: { type: "string", description: "A cron expression." },
                        replicas: { type: "integer" },
                        port: { "x-kubernetes-int-or-string": true },
                      },
                    },
                    status: { type: "object", properties: { replicas: { type: "integer" } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      // The CRD's OpenAPI is published a moment after it is established.
      let model: ApiModel | undefined;
      for (let i = 0; i < 60; i++) {
        model = buildModel(await readSpec({ kind: "cluster", kubeconfig: cp.kubeconfigPath }));
        if (model.groupVersions.some((g) => g.group === group)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(model);
      const gv = model.groupVersions.find((g) => g.group === group);
      assert.ok(gv, `${group}/v1 in the live spec`);
      const method = `${group.split(".")[0]}V1`;
      assert.deepEqual(
        [gv.method, gv.path, gv.resources.map((r) => [r.getter, r.interfaceName, r.namespaced, r.verbs])],
        [
          method,
          `${group}/v1`,
          [
            [
              "cronTabs",
              "CronTabInterface",
              true,
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
                "applyStatus",
              ],
            ],
          ],
        ],
      );
      assert.deepEqual(
        gv.resources[0]?.subresources.map((s) => [s.name, s.methods]),
        [
          ["scale", ["getScale", "updateScale", "applyScale"]],
          ["status", []],
        ],
      );
      const types = emit(model, "types");
      const clientset = emit(model, "clientset", { hasExpansion: expansionLookup(expansions) });
      const crdTypes = types.get(`${group}/v1.ts`) ?? "";
      assert.match(crdTypes, new RegExp(`apiVersion\\?: "${group.replace(/\./g, "\\.")}/v1";`));
      assert.match(crdTypes, /cronSpec: string;/);
      assert.match(crdTypes, /port\?: number \| string;/);
      assert.match(
        clientset.get("index.ts") ?? "",
        new RegExp(`${method}\\(\\): ${method[0]!.toUpperCase()}${method.slice(1)}Interface;`),
      );
      // A program using the typed client compiles against the generated code.
      const root = join(scratch.dir, "crd");
      const use = join(scratch.dir, "use-crd.ts");
      writeFileSync(
        use,
        [
          'import type { GeneratedClientset } from "./crd/clientset/generated/index.js";',
          "declare const cs: GeneratedClientset;",
          `const tab = await cs.${method}().cronTabs("ns").get("t");`,
          "const cron: string | undefined = tab.spec?.cronSpec;",
          `await cs.${method}().cronTabs("ns").apply({ apiVersion: "${group}/v1", kind: "CronTab", metadata: { name: "t" }, spec: { replicas: 2 } }, { fieldManager: "me" });`,
          `// @ts-expect-error CronTab is namespaced`,
          `cs.${method}().cronTabs();`,
          "export { cron };",
        ].join("\n"),
      );
      assert.equal(typecheckGenerated(root, types, clientset, [use]), "");
      // The same through the CLI.
      const out = join(scratch.dir, "cli-clientset");
      const cli = spawnSync(
        process.execPath,
        [
          "--conditions=source",
          "--import",
          "tsx",
          join(import.meta.dirname, "..", "src", "cli.ts"),
          "clientset",
        ].concat([
          "--out",
          out,
          "--from-cluster",
          "--kubeconfig",
          cp.kubeconfigPath,
          "--expansions",
          expansions,
        ]),
        { encoding: "utf8", env: { ...process.env, CI: "1" } },
      );
      assert.equal(cli.status, 0, cli.stderr);
      const cliIndex = readFileSync(join(out, "index.ts"), "utf8");
      assert.match(
        cliIndex,
        /^\/\/ Code generated by @org\/codegen from cluster https:\/\/127\.0\.0\.1:\d+\/openapi\/v3\. DO NOT EDIT\./,
      );
      assert.ok(cliIndex.includes(`${method}(): `));
    } finally {
      await client.request({
        method: "DELETE",
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      });
    }
  });
});
