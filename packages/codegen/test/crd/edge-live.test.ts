// The edge-case CRDs against the real API server: it accepts the fixture (so the unit tests' shapes
// are ones a user can install), generating from the cluster gives the bytes the file gives, and the
// generated client creates, gets and lists an object through the root anyOf, the open spec and the
// odd property names. And each CRD name the generator refuses (src/crd/spec.ts) the API server
// refuses too (dryRun: nothing is stored).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildConfigFromFlags, isInvalid, parseYAMLDocuments, RESTClient } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { crdFiles } from "../../src/crd/generate.js";
import { readCrdFiles } from "../../src/crd/read.js";
import { CrdError } from "../../src/crd/spec.js";
import { scratchDir } from "../typecheck.js";
import { cli, readTree, typecheck } from "./support.js";

const fixture = join(import.meta.dirname, "fixtures", "edge.yaml");
const scratch = scratchDir("codegen-crd-edge-live-");
after(() => scratch.remove());
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

const usageText = `import { newClientset, type RestInterface } from "@org/clientset";
import { type GeneratedClientset, groupVersions } from "./generated/clientset/index.js";
import type { Gadget } from "./generated/types/__GROUP__/v1.js";

export async function exercise(rest: RestInterface, namespace: string): Promise<Record<string, unknown>> {
  const gadgets = newClientset<GeneratedClientset>(rest, groupVersions).myGroup2V1().gadgets(namespace);
  const gadget: Gadget = {
    apiVersion: "__GROUP__/v1",
    kind: "Gadget",
    metadata: { name: "g1" },
    spec: { replicas: 2, mode: "a", free: { any: ["thing"] } },
  };
  const created = await gadgets.create(gadget);
  const status = await gadgets.updateStatus({
    ...created,
    status: { replicas: 2, grid: [[1, 2], [3]], odd: "with space", names: { "a.b": "x", "9lives": "y" }, portOrName: 80 },
  });
  const got = await gadgets.get("g1");
  const list = await gadgets.list();
  return {
    spec: got.spec,
    status: status.status,
    listed: list.items.map((g) => g.metadata?.name),
  };
}
`;

describe("edge-case CRDs against a real API server", () => {
  it("installs, generates the same bytes from the cluster, and the generated client creates, updates and reads", async (t) => {
    const cp = await getControlPlane();
    const rest = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
    const suffix = `e${randomBytes(4).toString("hex")}.example.com`;
    const yaml = readFileSync(fixture, "utf8").replaceAll(".example.com", `.${suffix}`);
    const file = join(scratch.dir, "edge.yaml");
    writeFileSync(file, yaml);
    // installed as kubectl reads it, as the generator reads it (YAML 1.1)
    const crds = (parseYAMLDocuments(yaml, file) as ({ metadata: { name: string } } | null)[]).filter(
      (d) => d !== null,
    );
    for (const crd of crds) {
      await rest.request({ method: "POST", path: CRDS, body: crd });
      t.after(() => rest.request({ method: "DELETE", path: `${CRDS}/${crd.metadata.name}` }).catch(() => {}));
    }
    for (const crd of crds) {
      for (let i = 0; ; i++) {
        const got = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
          method: "GET",
          path: `${CRDS}/${crd.metadata.name}`,
        });
        if (got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
        assert.ok(i < 300, `${crd.metadata.name} did not become Established within 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const fromFile = join(scratch.dir, "from-file");
    const fromCluster = join(scratch.dir, "from-cluster");
    assert.deepEqual(await cli(["crd", file, "--out", fromFile], scratch.dir), { code: 0, stderr: "" });
    const groups = [`my-group2.${suffix}`, `globals.${suffix}`, `2fa.${suffix}`].flatMap((g) => [
      "--group",
      g,
    ]);
    const live = await cli(
      ["crd", "--from-cluster", "--kubeconfig", cp.kubeconfigPath, ...groups, "--out", fromCluster],
      scratch.dir,
    );
    assert.deepEqual(live, { code: 0, stderr: "" });
    const a = readTree(join(fromFile, "src", "generated"));
    const b = readTree(join(fromCluster, "src", "generated"));
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [path, text] of a) assert.equal(b.get(path), text, path);

    const group = `my-group2.${suffix}`;
    const usage = join(fromFile, "src", "usage.ts");
    writeFileSync(usage, usageText.replaceAll("__GROUP__", group));
    const generated = [...a.keys()]
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(fromFile, "src", "generated", f));
    assert.equal(typecheck(scratch.dir, [usage, ...generated]), "");

    const ns = await createTestNamespace("crd-edge");
    t.after(ns.cleanup);
    // The deprecated versions' warnings, as the API server sends them, are the generated data's.
    const warnings: string[] = [];
    const warned = RESTClient.forConfig({
      ...(await buildConfigFromFlags("", cp.kubeconfigPath)),
      warningHandler: (m) => warnings.push(m),
    });
    for (const version of ["v1alpha2", "v1beta1"])
      await warned.request({
        method: "GET",
        path: `/apis/${group}/${version}/namespaces/${ns.name}/gadgets`,
      });
    assert.deepEqual(
      warnings,
      crdFiles(readCrdFiles([file], scratch.dir))
        .crds.resources.filter((r) => r.deprecationWarning)
        .map((r) => r.deprecationWarning),
    );
    assert.equal(warnings.length, 2);
    const { exercise } = (await import(usage)) as { exercise: typeof import("./usage-shape.js").exercise };
    const out = await exercise(rest, ns.name);
    assert.deepEqual(out, {
      spec: { replicas: 2, mode: "a", free: { any: ["thing"] } },
      status: {
        // The schema's defaults, applied by the API server (the types' doc comments show them).
        defaulted: { n: 3 },
        replicas: 2,
        grid: [[1, 2], [3]],
        odd: "with space",
        names: { "a.b": "x", "9lives": "y" },
        portOrName: 80,
      },
      listed: ["g1"],
    });
  });

  it("--from-cluster leaves out a CRD the API server does not serve (NamesAccepted False: its kind is another CRD's)", async (t) => {
    const cp = await getControlPlane();
    const rest = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
    const group = `n${randomBytes(4).toString("hex")}.example.com`;
    const make = (plural: string) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural, kind: "Thing" },
        versions: [
          { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
        ],
      },
    });
    const condition = async (name: string, type: string, status: string) => {
      for (let i = 0; ; i++) {
        const got = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
          method: "GET",
          path: `${CRDS}/${name}`,
        });
        if (got.status?.conditions?.some((c) => c.type === type && c.status === status)) return;
        assert.ok(i < 300, `${name}: no ${type} ${status} within 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    for (const plural of ["things", "stuffs"]) {
      await rest.request({ method: "POST", path: CRDS, body: make(plural) });
      t.after(() => rest.request({ method: "DELETE", path: `${CRDS}/${plural}.${group}` }).catch(() => {}));
      if (plural === "things") await condition(`things.${group}`, "Established", "True");
    }
    await condition(`stuffs.${group}`, "NamesAccepted", "False");
    const out = join(scratch.dir, "names-refused");
    const args = ["crd", "--from-cluster", "--kubeconfig", cp.kubeconfigPath, "--group", group, "--out", out];
    assert.deepEqual(await cli(args, scratch.dir), { code: 0, stderr: "" });
    const client = readFileSync(join(out, "src", "generated", "clientset", group, "v1.ts"), "utf8");
    assert.match(client, /\n {2}things\(namespace: string\): ThingInterface;/);
    assert.doesNotMatch(client, /stuffs/);
  });

  it("a singular or short name another CRD of the group has: the API server does not serve the later CRD, the generator refuses the pair", async (t) => {
    const cp = await getControlPlane();
    const rest = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
    const group = `s${randomBytes(4).toString("hex")}.example.com`;
    const make = (names: Record<string, unknown>) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${names.plural}.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names,
        versions: [
          { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
        ],
      },
    });
    const conditions = async (name: string) =>
      (
        await rest.request<{ status?: { conditions?: { type: string; status: string; reason?: string }[] } }>(
          {
            method: "GET",
            path: `${CRDS}/${name}`,
          },
        )
      ).status?.conditions ?? [];
    const first = make({ plural: "things", kind: "Thing", shortNames: ["th"] });
    await rest.request({ method: "POST", path: CRDS, body: first });
    t.after(() => rest.request({ method: "DELETE", path: `${CRDS}/things.${group}` }).catch(() => {}));
    const later: [string, Record<string, unknown>, string][] = [
      ["singular", { plural: "as", kind: "A", singular: "thing" }, "SingularConflict"],
      ["singular = plural", { plural: "bs", kind: "B", singular: "things" }, "SingularConflict"],
      ["short name", { plural: "cs", kind: "C", shortNames: ["th"] }, "ShortNamesConflict"],
      ["short name = plural", { plural: "ds", kind: "D", shortNames: ["things"] }, "ShortNamesConflict"],
      ["plural = short name", { plural: "th", kind: "E" }, "PluralConflict"],
    ];
    for (const [what, names, reason] of later) {
      const crd = make(names);
      await rest.request({ method: "POST", path: CRDS, body: crd });
      t.after(() => rest.request({ method: "DELETE", path: `${CRDS}/${crd.metadata.name}` }).catch(() => {}));
      for (let i = 0; ; i++) {
        const c = (await conditions(crd.metadata.name)).find((x) => x.type === "NamesAccepted");
        if (c?.status === "False") {
          assert.equal(c.reason, reason, what);
          break;
        }
        assert.ok(c?.status !== "True" && i < 300, `${what}: NamesAccepted ${c?.status ?? "missing"}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const docs = [
        { file: "a.yaml", document: 1, object: first },
        { file: "b.yaml", document: 1, object: crd },
      ];
      assert.throws(
        () => crdFiles(docs),
        (e) =>
          (e instanceof CrdError && /^b\.yaml, CRD .*NamesAccepted False/.test(e.message)) ||
          assert.fail(`${what}: ${String(e)}`),
      );
    }
    // The control: names of their own are accepted.
    const ok = make({ plural: "others", kind: "Other", singular: "other", shortNames: ["ot"] });
    assert.equal(
      crdFiles([
        { file: "a.yaml", document: 1, object: first },
        { file: "b.yaml", document: 1, object: ok },
      ]).resources,
      2,
    );
  });

  it("each CRD name the generator refuses, the API server refuses too", async () => {
    const cp = await getControlPlane();
    const rest = RESTClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
    const v = (name: string) => ({
      name,
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: "object" } },
    });
    const make = (
      group: string,
      names: Record<string, unknown>,
      versions: unknown[] = [v("v1")],
      name?: string,
    ) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: name ?? `${names.plural}.${group}` },
      spec: { group, scope: "Namespaced", names, versions },
    });
    const g = `r${randomBytes(4).toString("hex")}.example.com`;
    const refused: [string, unknown, RegExp][] = [
      ["plural", make(g, { plural: "my-Things", kind: "Thing" }), /spec\.names\.plural/],
      ["group without a dot", make("nodot", { plural: "things", kind: "Thing" }), /spec\.group/],
      ["version name", make(g, { plural: "things", kind: "Thing" }, [v("V1")]), /spec\.versions\[\]\.name/],
      [
        "short name",
        make(g, { plural: "things", kind: "Thing", shortNames: ["TH"] }),
        /spec\.names\.shortNames/,
      ],
      [
        "category",
        make(g, { plural: "things", kind: "Thing", categories: ["My_Stuff"] }),
        /spec\.names\.categories/,
      ],
      ["kind of 64 characters", make(g, { plural: "things", kind: `T${"h".repeat(63)}` }), /kind Th+ is 64/],
      [
        "list kind of 64 characters",
        make(g, { plural: "things", kind: `T${"h".repeat(59)}` }),
        /spec\.names\.listKind Th+List is 64/,
      ],
      [
        "listKind = kind",
        make(g, { plural: "things", kind: "Thing", listKind: "Thing" }),
        /spec\.names\.listKind/,
      ],
      [
        "metadata.name",
        make(g, { plural: "things", kind: "Thing" }, [v("v1")], `thing.${g}`),
        /metadata\.name/,
      ],
      [
        "a version twice",
        make(g, { plural: "things", kind: "Thing" }, [v("v1"), { ...v("v1"), storage: false }]),
        /version v1 is listed twice/,
      ],
    ];
    for (const [what, crd, ours] of refused) {
      assert.throws(
        () => crdFiles([{ file: "in.yaml", document: 1, object: crd }]),
        (e) => e instanceof CrdError && (ours.test(e.message) || assert.fail(`${what}: ${e.message}`)),
      );
      await assert.rejects(
        rest.request({ method: "POST", path: CRDS, query: { dryRun: "All" }, body: crd as object }),
        (e) => isInvalid(e) || assert.fail(`${what}: the API server said ${String(e)}`),
        what,
      );
    }
    // The control: the same CRD with valid names is accepted (dry run).
    const ok = make(g, {
      plural: "things",
      kind: `T${"h".repeat(58)}`,
      shortNames: ["th"],
      categories: ["all", "my-stuff"],
    });
    assert.equal(crdFiles([{ file: "in.yaml", document: 1, object: ok }]).resources, 1);
    await rest.request({ method: "POST", path: CRDS, query: { dryRun: "All" }, body: ok });
  });
});
