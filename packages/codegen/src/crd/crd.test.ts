// Given/want per schema feature and naming rule, on the CRD fixtures in fixtures/crd; malformed CRDs
// get errors naming the file, the CRD and the version, and leave the previous output untouched.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readTree } from "../../test/crd/support.js";
import { runCli } from "../run.js";
import { crdFiles, generateCrds } from "./generate.js";
import { parseManifests, readCrdFiles } from "./read.js";
import { CrdError } from "./spec.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "crd");
const features = crdFiles(readCrdFiles(["features.yaml"], fixtures)).files;
const crontab = crdFiles(readCrdFiles(["crontab.yaml"], fixtures)).files;
const zoo = features.get("types/zoo.example.com/v1.ts")!;

/** The declaration `export interface <name> ... }` of a module's text. */
function decl(text: string, name: string): string {
  const m = new RegExp(
    `(?:/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\n)?export (?:interface|type) ${name}\\b[\\s\\S]*?\\n}\\n`,
  ).exec(text);
  assert.ok(m, `${name} not found`);
  return m[0];
}

describe("CRD schema features", () => {
  it("status and scale subresources: updateStatus/applyStatus and getScale/updateScale on autoscaling/v1 Scale, no applyScale (a custom resource's /scale answers apply with a 500)", () => {
    const v1 = crontab.get("clientset/stable.example.com/v1.ts")!;
    assert.match(v1, /import type \{ Scale \} from "@org\/api-types\/autoscaling\/v1";/);
    assert.match(v1, /methods: \[getScale, updateScale\],/);
    assert.match(v1, /"updateStatus"/);
    assert.match(v1, /"applyStatus"/);
    assert.match(v1, /Pick<SubresourceMethods<Scale, Scale>, "getScale" \| "updateScale">/);
    assert.doesNotMatch(v1, /applyScale|ScaleApplyConfiguration/);
    // The API server serves patch on /scale (JSON and merge patches): the descriptor says so.
    assert.match(v1, /name: "scale", verbs: \["get", "update", "patch"\]/);
    // v1beta1 serves status only.
    const beta = crontab.get("clientset/stable.example.com/v1beta1.ts")!;
    assert.match(beta, /methods: \[\],/);
    assert.match(
      beta,
      /subresources: \[\n\s+\{ name: "status", verbs: \["get", "update", "patch"\] \},\n\s+\],/,
    );
  });

  it("the scale's label selector path and the printer columns are data", () => {
    const res = crontab.get("resources.ts")!;
    assert.match(
      res,
      /"scale": \{\n\s+"specReplicasPath": ".spec.replicas",\n\s+"statusReplicasPath": ".status.replicas",\n\s+"labelSelectorPath": ".status.selector",/,
    );
    assert.match(res, /\{ "name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas" \}/);
    assert.match(res, /"description": "The cron spec defining the interval a CronJob is run"/);
  });

  it("x-kubernetes-int-or-string → number | string", () => {
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}size\?: number \| string;/);
  });

  it("x-kubernetes-preserve-unknown-fields → an open object that keeps its declared fields", () => {
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}extra\?: \{ \[key: string\]: unknown; \};/);
    assert.equal(
      decl(zoo, "OctopusSpecTagged"),
      "export interface OctopusSpecTagged {\n  [key: string]: unknown;\n  name?: string;\n}\n",
    );
  });

  it("x-kubernetes-embedded-resource → apiVersion and kind, both required (the API server's Required value otherwise), and an ObjectMeta", () => {
    assert.equal(
      decl(zoo, "OctopusSpecTemplate"),
      "export interface OctopusSpecTemplate {\n  [key: string]: unknown;\n  apiVersion: string;\n  kind: string;\n  metadata?: ObjectMeta;\n}\n",
    );
  });

  it("nullable → | null, on scalars and on nested objects", () => {
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}nickname\?: string \| null;/);
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}parent\?: OctopusSpecParent \| null;/);
    assert.match(
      decl(crontab.get("types/stable.example.com/v1.ts")!, "CronTabStatus"),
      /lastScheduleTime\?: string \| null;/,
    );
  });

  it("string and integer enums → literal unions", () => {
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}mood\?: "calm" \| "curious";/);
    assert.match(decl(zoo, "OctopusSpec"), /\n {2}level\?: 1 \| 2 \| 3;/);
  });

  it("x-kubernetes-list-type: map keeps its keys as data (the fake clientset's schema table)", () => {
    assert.match(
      features.get("clientset/schema.ts")!,
      /"ports": \{ "list": "map", "keys": \["name", "protocol"\], "ref": "com.example.zoo.v1.OctopusSpecPorts" \},/,
    );
    assert.equal(
      decl(zoo, "OctopusSpecPorts"),
      // A list-map key must be required or defaulted (the API server refuses the CRD otherwise).
      'export interface OctopusSpecPorts {\n  name: string;\n  /** Default: `"TCP"` */\n  protocol?: string;\n}\n',
    );
  });

  it("CEL rules and defaults go into the doc comments; descriptions become JSDoc", () => {
    const spec = decl(zoo, "OctopusSpec");
    assert.ok(
      spec.startsWith("/** Validation (CEL): `self.arms >= self.minArms` (arms below the minimum) */\n"),
    );
    assert.match(
      spec,
      /\/\*\*\n {3}\* How many arms\.\n {3}\*\n {3}\* Default: `8`\n {3}\*\/\n {2}arms\?: number;/,
    );
    const v1 = crontab.get("types/stable.example.com/v1.ts")!;
    assert.match(v1, /\/\*\* A CronTab runs an image on a schedule\. \*\/\nexport interface CronTab \{/);
    assert.match(v1, /\* Validation \(CEL\): `self\.split\(' '\)\.size\(\) == 5` \(five fields\)/);
  });

  it("apiVersion and kind are literals, metadata an ObjectMeta, required fields required; every served version, no other", () => {
    const v1 = crontab.get("types/stable.example.com/v1.ts")!;
    assert.match(
      decl(v1, "CronTab"),
      /apiVersion\?: "stable\.example\.com\/v1";[\s\S]*kind\?: "CronTab";\n {2}metadata\?: ObjectMeta;/,
    );
    assert.match(decl(v1, "CronTabSpec"), /\n {2}cronSpec: string;[\s\S]*\n {2}image: string;/);
    assert.match(v1, /export type CronTabApplyConfiguration = ApplyConfiguration<CronTab>;/);
    assert.deepEqual(
      [...crontab.keys()].filter((k) => k.startsWith("types/stable")),
      ["types/stable.example.com/v1.ts", "types/stable.example.com/v1beta1.ts"],
    );
  });
});

describe("CRD names", () => {
  it("property names that are keywords stay bare, names that need quotes are quoted", () => {
    const spec = decl(zoo, "OctopusSpec");
    assert.match(spec, /\n {2}default\?: string;/);
    assert.match(spec, /\n {2}class\?: string;/);
    assert.match(spec, /\n {2}"x-custom-field"\?: string;/);
    assert.match(spec, /\n {2}"1st"\?: string;/);
  });

  it("two properties that differ only in case get two types", () => {
    const spec = decl(zoo, "OctopusSpec");
    assert.match(spec, /\n {2}Owner\?: OctopusSpecOwner;/);
    assert.match(spec, /\n {2}owner\?: OctopusSpecOwner2;/);
    assert.match(decl(zoo, "OctopusSpecOwner"), /id\?: string;/);
    assert.match(decl(zoo, "OctopusSpecOwner2"), /name\?: string;/);
  });

  it("an irregular plural and singular come from the CRD", () => {
    const client = features.get("clientset/zoo.example.com/v1.ts")!;
    assert.match(client, /\n {2}octopodes\(\): OctopusInterface;/); // cluster-scoped: no namespace
    assert.match(client, /resource: "octopodes"/);
    assert.match(features.get("resources.ts")!, /"name": "octopodes",\n\s+"singularName": "octopus",/);
  });

  it("the same kind in two groups: two modules, two group methods (the second spelled out)", () => {
    const index = features.get("clientset/index.ts")!;
    assert.match(index, /\n {2}aV1\(\): AV1Interface;\n {2}aExampleOrgV1\(\): AExampleOrgV1Interface;/);
    assert.match(features.get("types/a.example.com/v1.ts")!, /apiVersion\?: "a\.example\.com\/v1";/);
    assert.match(features.get("types/a.example.org/v1.ts")!, /apiVersion\?: "a\.example\.org\/v1";/);
    assert.match(features.get("informers.ts")!, /export interface WidgetLister extends Lister</);
    assert.match(features.get("informers.ts")!, /export interface AExampleOrgV1WidgetLister extends Lister</);
  });
});

describe("CRD output", () => {
  it("is deterministic: the same bytes twice, and for the documents in another order", () => {
    const again = crdFiles(readCrdFiles(["features.yaml"], fixtures)).files;
    assert.deepEqual([...again], [...features]);
    const docs = readCrdFiles(["features.yaml"], fixtures);
    assert.deepEqual([...crdFiles([...docs].reverse()).files], [...features]);
  });

  it("does not depend on the order of the CRDs: nested types that collide are numbered in CRD name order, as --from-cluster lists them", () => {
    // Alpha's betaSpec and AlphaBeta's spec are both AlphaBetaSpec: one of them gets AlphaBetaSpec2.
    const alpha = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: alphas.o.example.com }
spec:
  group: o.example.com
  scope: Namespaced
  names: { plural: alphas, kind: Alpha }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, properties: { betaSpec: { type: object, properties: { x: { type: string } } } } } }
`;
    const alphaBeta = alpha
      .replaceAll("alphas", "alphabetas")
      .replace("kind: Alpha", "kind: AlphaBeta")
      .replace("betaSpec: { type: object, properties: { x:", "spec: { type: object, properties: { z:");
    const a = parseManifests(alpha, "a.yaml");
    const b = parseManifests(alphaBeta, "b.yaml");
    const forward = crdFiles([...a, ...b]).files;
    const backward = crdFiles([...b, ...a]).files;
    assert.deepEqual([...backward], [...forward]);
    // alphabetas.o.example.com comes first by name.
    const types = forward.get("types/o.example.com/v1.ts")!;
    assert.match(decl(types, "AlphaBetaSpec"), /\n {2}z\?: string;/);
    assert.match(decl(types, "AlphaBetaSpec2"), /\n {2}x\?: string;/);
  });

  it("has the standard header and a README", () => {
    for (const [path, text] of features)
      if (path.endsWith(".ts"))
        assert.ok(text.startsWith("// Code generated by @org/codegen from CustomResourceDefinitions "), path);
    assert.match(features.get("README.md")!, /^# Generated code: do not edit\n/);
  });
});

const tmp = mkdtempSync(join(tmpdir(), "codegen-crd-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CRD = (version: string, schema: string, extra = "") => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: things.bad.example.com }
spec:
  group: bad.example.com
  scope: Namespaced
  names: { plural: things, kind: Thing }
  versions:
    - name: ${version}
      served: true
      storage: true${extra}
${schema}`;

describe("malformed CRDs", () => {
  const cases: [string, string, RegExp][] = [
    ["invalid YAML", "kind: [unclosed\n", /^bad\.yaml is not valid YAML: .* at line 2, column 1$/],
    [
      "not a CRD",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n",
      /^bad\.yaml: not a CustomResourceDefinition \(apiVersion v1, kind ConfigMap, name x\); give only CustomResourceDefinition documents \(/,
    ],
    [
      "v1beta1",
      CRD("v1", "").replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"),
      /^bad\.yaml, CRD things\.bad\.example\.com: apiextensions\.k8s\.io\/v1beta1 is not supported .*convert the CRD to apiextensions\.k8s\.io\/v1/,
    ],
    [
      "a missing schema",
      CRD("v2", ""),
      /^bad\.yaml, CRD things\.bad\.example\.com, version v2: no schema \(spec\.versions\[\]\.schema\.openAPIV3Schema\)$/,
    ],
    [
      "no served version",
      CRD("v1", "").replace("served: true", "served: false"),
      /^bad\.yaml, CRD things\.bad\.example\.com: no served version/,
    ],
    [
      "a broken $ref",
      CRD(
        "v3",
        "      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec: { $ref: '#/definitions/Missing' }\n",
      ),
      /^bad\.yaml, CRD things\.bad\.example\.com, version v3: \$ref "#\/definitions\/Missing" at \.spec: CRD schemas cannot reference other schemas/,
    ],
  ];
  for (const [what, text, want] of cases) {
    it(`${what}: an error naming the file, the CRD and the version; the previous output untouched`, async () => {
      const pkg = join(tmp, what.replace(/\W+/g, "-"));
      writeFileSync(
        join(tmp, "good.yaml"),
        CRD("v1", "      schema: { openAPIV3Schema: { type: object } }\n"),
      );
      await generateCrds({ out: pkg, paths: ["good.yaml"], cwd: tmp });
      const before = readCrdFiles(["good.yaml"], tmp);
      writeFileSync(join(tmp, "bad.yaml"), text);
      await assert.rejects(generateCrds({ out: pkg, paths: ["bad.yaml"], cwd: tmp }), (err: Error) => {
        assert.ok(err instanceof CrdError, String(err));
        assert.match(err.message, want);
        return true;
      });
      // The package still holds the good CRD's output.
      const { files } = crdFiles(before);
      for (const [path, textWant] of files) {
        assert.equal(readFileSync(join(pkg, "src", "generated", path), "utf8"), textWant, path);
      }
    });
  }

  it("a document number names which document of a multi-document file", () => {
    const text = `${CRD("v1", "      schema: { openAPIV3Schema: { type: object } }\n")}---\nkind: Nope\napiVersion: v1\n`;
    assert.throws(
      () => crdFiles(parseManifests(text, "multi.yaml")),
      /^CrdError: multi\.yaml \(document 2\): not a CustomResourceDefinition/,
    );
  });
});

describe("CRD inputs and the CLI", () => {
  it("reads directories recursively (*.yaml, *.yml, *.json; not kustomization.yaml), in name order", () => {
    const dir = join(tmp, "tree");
    mkdirSync(join(dir, "nested"), { recursive: true });
    writeFileSync(join(dir, "kustomization.yaml"), "resources: [crontab.yaml]\n");
    writeFileSync(join(dir, "nested", "crontab.yaml"), readFileSync(join(fixtures, "crontab.yaml")));
    writeFileSync(
      join(dir, "features.json"),
      JSON.stringify(
        parseManifests(readFileSync(join(fixtures, "features.yaml"), "utf8"), "f").map((d) => d.object)[0],
      ),
    );
    writeFileSync(join(dir, "notes.txt"), "not a manifest");
    const docs = readCrdFiles(["tree"], tmp);
    assert.deepEqual(
      docs.map((d) => `${d.file} ${(d.object as { metadata: { name: string } }).metadata.name}`),
      [
        "tree/features.json octopodes.zoo.example.com",
        "tree/nested/crontab.yaml crontabs.stable.example.com",
      ],
    );
  });

  it("org-codegen crd - reads standard input (the process entry point): the same package as from the files", async () => {
    const fromFiles = join(tmp, "stdin-files");
    const fromStdin = join(tmp, "stdin-pipe");
    const cliEntry = join(import.meta.dirname, "..", "cli.ts");
    const run = (args: string[], input: string) =>
      spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", cliEntry, ...args], {
        cwd: fixtures,
        input,
        encoding: "utf8",
        env: { ...process.env, CI: "1" },
      });
    const errors: string[] = [];
    const io = {
      stdout: () => {},
      stderr: (t: string) => errors.push(t),
      isTTY: false,
      env: {},
      cwd: fixtures,
    };
    assert.equal(
      await runCli(["crd", "crontab.yaml", "features.yaml", "--out", fromFiles], io),
      0,
      errors.join(""),
    );
    // "-" among files: its documents take its place in the order.
    const piped = run(
      ["crd", "crontab.yaml", "-", "--out", fromStdin],
      readFileSync(join(fixtures, "features.yaml"), "utf8"),
    );
    assert.deepEqual({ status: piped.status, stderr: piped.stderr }, { status: 0, stderr: "" });
    const a = readTree(join(fromFiles, "src", "generated"));
    const b = readTree(join(fromStdin, "src", "generated"));
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [path, text] of a) assert.equal(b.get(path), text, path);

    // Errors in piped documents name "-" as the file; so does empty input.
    for (const [input, message] of [
      ["kind: [unclosed\n", /^- is not valid YAML: .* at line \d+, column \d+$/],
      ["---\n", /^-: no documents on standard input$/],
    ] as const) {
      assert.throws(
        () => readCrdFiles(["-"], fixtures, () => input),
        (e) => e instanceof CrdError && message.test(e.message),
      );
    }
  });

  it("org-codegen crd writes <out>/src/generated; usage errors say what is missing", async () => {
    const io = (errors: string[]) => ({
      stdout: () => {},
      stderr: (t: string) => errors.push(t),
      isTTY: false,
      env: {},
      cwd: fixtures,
    });
    const out = join(tmp, "cli-pkg");
    const aFile = join(tmp, "a-file");
    writeFileSync(aFile, "");
    const srcFile = join(tmp, "src-file");
    mkdirSync(srcFile);
    writeFileSync(join(srcFile, "src"), "");
    const errors: string[] = [];
    assert.equal(
      await runCli(["crd", "crontab.yaml", "features.yaml", "--out", out], io(errors)),
      0,
      errors.join(""),
    );
    assert.match(
      readFileSync(join(out, "src", "generated", "clientset", "index.ts"), "utf8"),
      /stableV1beta1\(\): StableV1beta1Interface;/,
    );
    for (const [args, want] of [
      [["crd", "--out", out], /give CRD files, directories or -, or --from-cluster/],
      [["crd", "x.yaml"], /--out <package dir> is required/],
      [["crd", "x.yaml", "--group", "g", "--out", out], /--group goes with --from-cluster/],
      [["crd", "missing.yaml", "--out", out], /^org-codegen: missing\.yaml: no such file or directory\n$/],
      // A file where the package directory should be (it printed a bare ENOTDIR).
      [
        ["crd", "crontab.yaml", "--out", aFile],
        /^org-codegen: --out .*a-file is a file, not a directory; give your package's directory \(the output goes to <dir>\/src\/generated\)\n$/,
      ],
      [
        ["crd", "crontab.yaml", "--out", join(aFile, "pkg")],
        /^org-codegen: --out .*a-file\/pkg: a part of the path is a file, not a directory \(.*a-file\); /,
      ],
      [
        ["crd", "crontab.yaml", "--out", srcFile],
        /^org-codegen: --out .*src-file: .*src-file\/src is a file, not a directory; move it away or give your package's directory/,
      ],
    ] as const) {
      const e: string[] = [];
      assert.equal(await runCli([...args], io(e)), 1);
      assert.match(e.join(""), want);
    }
  });
});
