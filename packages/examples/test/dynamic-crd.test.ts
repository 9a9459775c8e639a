import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DynamicClient } from "@org/clientset";
import { buildConfigFromFlags, isNotFound } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { runProgram } from "./helpers.js";

let cp: ControlPlane;
let ns: { name: string; cleanup(): Promise<void> };

before(async () => {
  cp = await getControlPlane();
  ns = await createTestNamespace("examples-dynamic");
});
after(() => ns.cleanup());

test("dynamic-crd installs a CRD and creates, lists, updates and deletes a CronTab", async () => {
  const args = ["--kubeconfig", cp.kubeconfigPath, "--namespace", ns.name, "--name", "nightly"];
  const r = await runProgram("dynamic-crd", args);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "Applied CustomResourceDefinition crontabs.tutorial.example.com");
  assert.equal(lines[1], "CustomResourceDefinition crontabs.tutorial.example.com is Established");
  assert.match(lines[2] ?? "", new RegExp(`^Created CronTab ${ns.name}/nightly \\(uid [0-9a-f-]{36}\\)$`));
  assert.deepEqual(
    lines.slice(3, 5).map((l) => l.split(/ {3,}/)),
    [
      ["NAME", "SPEC", "IMAGE", "REPLICAS"],
      ["nightly", "* * * * */5", "my-awesome-cron-image", "1"],
    ],
  );
  assert.equal(lines[5], `Updated CronTab ${ns.name}/nightly: replicas 3`);
  assert.deepEqual(lines[7]?.split(/ {3,}/), ["nightly", "* * * * */5", "my-awesome-cron-image", "3"]);
  assert.equal(lines[8], `Deleted CronTab ${ns.name}/nightly`);

  const dynamic = DynamicClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  const crontabs = dynamic.resource({ group: "tutorial.example.com", version: "v1", resource: "crontabs" });
  await assert.rejects(crontabs.namespace(ns.name).get("nightly"), (e: unknown) => isNotFound(e));

  // A second run applies the same CRD again and works the same way.
  const again = await runProgram("dynamic-crd", args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    again.stdout,
    r.stdout.replace(/uid [0-9a-f-]{36}/, again.stdout.match(/uid [0-9a-f-]{36}/)?.[0] ?? ""),
  );
});
