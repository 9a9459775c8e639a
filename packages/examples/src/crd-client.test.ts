// The generated CronTab client on the fake clientset: the CRD object makes the fake serve the kind, and
// the generated schema table (`schemas`) tells it the kind's fields, as the CRD's schema tells the server.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { newClientset } from "@org/clientset";
import { newFakeClientsetWithOptions } from "@org/clientset/fake";
import yaml from "js-yaml";
import { type GeneratedClientset, groupVersions } from "./generated/clientset/index.js";
import { schemaTable } from "./generated/clientset/schema.js";

test("the generated CRD client works on the fake clientset", async () => {
  const crd = yaml.load(readFileSync(new URL("../crds/crontab.yaml", import.meta.url), "utf8")) as object;
  const fake = newFakeClientsetWithOptions({ schemas: [schemaTable] }, crd);
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
