// `org-codegen crd --from-cluster` without --group reads every CRD of the cluster. A control plane of
// this test's own (the run's shared one has other tests' CRDs coming and going) gets the fixture
// CRDs of several groups installed; generating from the cluster gives the same bytes as generating
// from the files, and --group picks one group of them; a cluster without CRDs is an error naming it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildConfigFromFlags, RESTClient } from "@org/rest";
import { startControlPlane } from "@org/testenv";
import { readCrdFiles } from "../../src/crd/read.js";
import { scratchDir } from "../typecheck.js";
import { cli, readTree } from "./support.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "crd");
const scratch = scratchDir("codegen-crd-cluster-");
after(() => scratch.remove());

const run = (args: string[]) => cli(args, fixtures);

function assertSameTree(a: Map<string, string>, b: Map<string, string>): void {
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [path, text] of a) assert.equal(b.get(path), text, path);
}

describe("CRDs from a whole cluster", () => {
  it("--from-cluster without --group generates the same package as the files of every CRD installed", async () => {
    const cp = await startControlPlane({ controllers: [], stopOnExit: true });
    try {
      const rest = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
      const empty = await run([
        "crd",
        "--from-cluster",
        "--kubeconfig",
        cp.kubeconfigPath,
        "--out",
        join(scratch.dir, "empty"),
      ]);
      assert.deepEqual(empty, {
        code: 1,
        stderr: `org-codegen: cluster ${cp.apiServerURL}: no CustomResourceDefinitions\n`,
      });

      const docs = readCrdFiles(["crontab.yaml", "features.yaml"], fixtures);
      const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
      const names = docs.map((d) => (d.object as { metadata: { name: string } }).metadata.name);
      const groups = new Set(docs.map((d) => (d.object as { spec: { group: string } }).spec.group));
      assert.ok(groups.size >= 2, `the fixtures have CRDs of several groups (${[...groups]})`);
      for (const d of docs) await rest.request({ method: "POST", path, body: d.object as object });
      for (const name of names) {
        for (let i = 0; ; i++) {
          const crd = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
            method: "GET",
            path: `${path}/${name}`,
          });
          if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
          assert.ok(i < 300, `${name} did not become Established within 30 s`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      const fromFiles = join(scratch.dir, "from-files");
      const fromCluster = join(scratch.dir, "from-cluster");
      assert.deepEqual(await run(["crd", "crontab.yaml", "features.yaml", "--out", fromFiles]), {
        code: 0,
        stderr: "",
      });
      assert.deepEqual(
        await run(["crd", "--from-cluster", "--kubeconfig", cp.kubeconfigPath, "--out", fromCluster]),
        { code: 0, stderr: "" },
      );
      const files = readTree(join(fromFiles, "src", "generated"));
      assertSameTree(files, readTree(join(fromCluster, "src", "generated")));
      for (const g of groups)
        assert.ok(
          [...files.keys()].some((f) => f.startsWith(`types/${g}/`)),
          g,
        );

      // --group narrows the cluster's CRDs to the same package as that group's file.
      const oneGroup = join(scratch.dir, "one-group");
      const crontabOnly = join(scratch.dir, "crontab-only");
      assert.deepEqual(await run(["crd", "crontab.yaml", "--out", crontabOnly]), { code: 0, stderr: "" });
      assert.deepEqual(
        await run([
          "crd",
          "--from-cluster",
          "--kubeconfig",
          cp.kubeconfigPath,
          "--group",
          "stable.example.com",
          "--out",
          oneGroup,
        ]),
        { code: 0, stderr: "" },
      );
      assertSameTree(
        readTree(join(crontabOnly, "src", "generated")),
        readTree(join(oneGroup, "src", "generated")),
      );
    } finally {
      await cp.stop();
    }
  });
});
