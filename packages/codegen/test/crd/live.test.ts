// CRD generation against the real API server: a CRD with two served versions, status and scale is
// installed; generating from its file and from the live cluster gives identical bytes; the generated
// client does every verb (create, get, list, watch, update, updateStatus, getScale, updateScale,
// apply); its types hold under strict with @ts-expect-error pins.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildConfigFromFlags, parseYAMLDocuments, RESTClient } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { scratchDir } from "../typecheck.js";
import { cli, readTree, typecheck } from "./support.js";

const fixture = join(import.meta.dirname, "..", "..", "fixtures", "crd", "crontab.yaml");
const scratch = scratchDir("codegen-crd-live-");
after(() => scratch.remove());

const run = (args: string[]) => cli(args, scratch.dir);

describe("CRD clients against a real API server", () => {
  it("generates the same package from the file and from the cluster, and its client does every verb", async (t) => {
    const cp = await getControlPlane();
    const config = await buildConfigFromFlags("", cp.kubeconfigPath);
    const rest = RESTClient.forConfig(config);
    const group = `stable.crd${randomBytes(4).toString("hex")}.example.com`;
    const yaml = readFileSync(fixture, "utf8").replaceAll("stable.example.com", group);
    const file = join(scratch.dir, "crontab.yaml");
    writeFileSync(file, yaml);

    // Install it (CRDs are cluster-scoped: a group of this run's own), wait until Established.
    const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    // installed as kubectl reads it, as the generator reads it
    const [crd] = parseYAMLDocuments(yaml, file) as object[];
    await rest.request({ method: "POST", path: crdPath, body: crd });
    t.after(() => rest.request({ method: "DELETE", path: `${crdPath}/crontabs.${group}` }).catch(() => {}));
    for (let i = 0; ; i++) {
      const crd = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: `${crdPath}/crontabs.${group}`,
      });
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      assert.ok(i < 300, "the CRD did not become Established within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }

    const fromFile = join(scratch.dir, "from-file");
    const fromCluster = join(scratch.dir, "from-cluster");
    assert.deepEqual(await run(["crd", file, "--out", fromFile]), { code: 0, stderr: "" });
    const live = await run([
      "crd",
      "--from-cluster",
      "--kubeconfig",
      cp.kubeconfigPath,
      "--group",
      group,
      "--out",
      fromCluster,
    ]);
    assert.deepEqual(live, { code: 0, stderr: "" });
    const a = readTree(join(fromFile, "src", "generated"));
    const b = readTree(join(fromCluster, "src", "generated"));
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [path, text] of a) assert.equal(b.get(path), text, path);
    assert.ok(
      a.has("clientset/index.ts") && a.has(`types/${group}/v1.ts`) && a.has(`types/${group}/v1beta1.ts`),
    );

    // The typed usage: type-checked (pins included), then run.
    const usage = join(fromFile, "src", "usage.ts");
    writeFileSync(
      usage,
      readFileSync(join(import.meta.dirname, "usage.ts.txt"), "utf8").replaceAll("__GROUP__", group),
    );
    const generated = [...a.keys()]
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(fromFile, "src", "generated", f));
    assert.equal(typecheck(scratch.dir, [usage, ...generated]), "");

    const ns = await createTestNamespace("crd");
    t.after(ns.cleanup);
    const { exercise } = (await import(usage)) as { exercise: typeof import("./usage-shape.js").exercise };
    const out = await exercise(rest, ns.name);
    assert.deepEqual(out.created, {
      cronSpec: "* * * * *",
      image: "busybox",
      replicas: 1,
      concurrencyPolicy: "Forbid",
      port: "http",
    });
    assert.equal(out.got, "busybox");
    assert.deepEqual(out.listed, ["every-minute"]);
    assert.equal(out.updated, "busybox:2");
    assert.deepEqual(out.updateStatus, { replicas: 1, selector: "app=cron" });
    assert.deepEqual(out.getScale, { spec: { replicas: 1 }, status: { replicas: 1, selector: "app=cron" } });
    assert.equal(out.updateScale, 3);
    assert.equal(out.afterScale, 3);
    assert.deepEqual(out.applied, { cronSpec: "0 * * * *", image: "nginx", replicas: 1 });
    assert.equal(out.v1beta1, `${group}/v1beta1`);
    assert.deepEqual(out.events, ["ADDED every-minute", "MODIFIED every-minute"]);
    assert.equal(out.withoutTypeMeta, `${group}/v1 CronTab`);
    assert.deepEqual(out.mapped, { group, version: "v1", resource: "crontabs" });
    assert.deepEqual(out.columns, ["Spec", "Replicas", "Age"]);
  });
});
