import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { runProgram } from "./helpers.js";

let cp: ControlPlane;
let ns: { name: string; cleanup(): Promise<void> };

before(async () => {
  cp = await getControlPlane();
  ns = await createTestNamespace("examples-bynode");
});
after(() => ns.cleanup());

test("pods-by-node answers from an informer's cache: a custom index by node and a lister with a selector", async () => {
  const pods = Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath))
    .coreV1()
    .pods(ns.name);
  const layout: [string, string | undefined, string][] = [
    ["web-0", "node-a", "web"],
    ["web-1", "node-a", "web"],
    ["db-0", "node-a", "db"],
    ["web-2", "node-b", "web"],
    ["db-1", "node-b", "db"],
    ["pending", undefined, "web"],
  ];
  for (const [name, nodeName, app] of layout) {
    await pods.create({
      metadata: { name, labels: { app } },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: [{ name: "c", image: "registry.example/app:1" }],
      },
    } as Pod);
  }
  const r = await runProgram("pods-by-node", [
    "--kubeconfig",
    cp.kubeconfigPath,
    "--namespace",
    ns.name,
    "--selector",
    "app=web",
    "--node",
    "node-a",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, new RegExp(`^Synced 6 pods of namespace ${ns.name} at resourceVersion \\d+$`));
  assert.deepEqual(
    lines.slice(1, 5).map((l) => l.split(/ {3,}/)),
    [
      ["NODE", "PODS"],
      ["<none>", "1"],
      ["node-a", "3"],
      ["node-b", "2"],
    ],
  );
  assert.equal(lines[5], "Pods matching app=web on node-a: web-0, web-1");
});
