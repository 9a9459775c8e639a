// The generated CronTab client on the fake clientset: the CRD object makes the fake serve the kind
// (the fake reads a CRD's fields as plain struct fields; it does not read the generated schema table).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { newClientset } from "@org/clientset";
import { newFakeClientsetWithOptions } from "@org/clientset/fake";
import yaml from "js-yaml";
import { type GeneratedClientset, groupVersions } from "./generated/clientset/index.js";

test("the generated CRD client works on the fake clientset", async () => {
  const crd = yaml.load(readFileSync(new URL("../crds/crontab.yaml", import.meta.url), "utf8")) as object;
  const fake = newFakeClientsetWithOptions({}, crd);
  const crds = newClientset<GeneratedClientset>(fake.restClient, groupVersions);
  const tabs = crds.stableV1().cronTabs("default");
  await tabs.create({
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: "a" },
    spec: { cronSpec: "* * * * *", image: "x" },
  });
  const scale = await tabs.getScale("a");
  scale.spec = { replicas: 2 };
  await tabs.updateScale("a", scale);
  assert.equal((await tabs.get("a")).spec?.replicas, 2);
  const applied = await tabs.apply(
    {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "b" },
      spec: { cronSpec: "0 * * * *", image: "y" },
    },
    { fieldManager: "test" },
  );
  assert.equal(applied.spec?.image, "y");
  assert.deepEqual(
    (await tabs.list()).items.map((t) => t.metadata?.name),
    ["a", "b"],
  );
});
