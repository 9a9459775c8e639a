import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { runProgram } from "./helpers.js";

let cp: ControlPlane;
let ns: { name: string; cleanup(): Promise<void> };

before(async () => {
  cp = await getControlPlane();
  ns = await createTestNamespace("examples-crd-client");
});
after(() => ns.cleanup());

test("crd-client installs the CRD and uses its generated typed client", async () => {
  const r = await runProgram("crd-client", [
    "--kubeconfig",
    cp.kubeconfigPath,
    "--namespace",
    ns.name,
    "--name",
    "nightly",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "CustomResourceDefinition crontabs.stable.example.com is Established",
    `Created CronTab ${ns.name}/nightly`,
    `Scaled CronTab ${ns.name}/nightly to 3`,
    `Applied CronTab ${ns.name}/nightly-hourly`,
  ]);
  assert.deepEqual(
    lines.slice(4, 7).map((l) => l.split(/ {3,}/)),
    [
      ["NAME", "SPEC", "REPLICAS", "STATUS REPLICAS"],
      ["nightly", "*/5 * * * *", "3", "3"],
      ["nightly-hourly", "0 * * * *", "1"],
    ],
  );
  assert.deepEqual(lines.slice(7), ["ct is stable.example.com/v1 crontabs", "Deleted 2 CronTabs"]);
});
