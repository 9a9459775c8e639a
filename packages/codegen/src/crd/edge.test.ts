// Edge cases of CRD input, as a new user meets them: schema shapes and names the features fixture
// does not have (the generated package must type-check under strict), input shapes (the API
// server's own list, Lists, empty files) and CRDs the API server would refuse, each with an error
// naming the file, the document or item, the CRD and the field, and what to do.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readTree, typecheck } from "../../test/crd/support.js";
import { scratchDir } from "../../test/typecheck.js";
import { crdFiles, generateCrds } from "./generate.js";
import { parseManifests, readCrdFiles } from "./read.js";
import { CrdError } from "./spec.js";

const fixtures = join(import.meta.dirname, "..", "..", "test", "crd", "fixtures");
const edge = crdFiles(readCrdFiles(["edge.yaml"], fixtures)).files;
const gadget = edge.get("types/my-group2.example.com/v1.ts")!;

const scratch = scratchDir("codegen-crd-edge-");
after(() => scratch.remove());

/** The declaration `export interface|type <name> ...` of a module's text (up to its closing line). */
function decl(text: string, name: string): string {
  const m = new RegExp(`export (?:interface|type) ${name}\\b[\\s\\S]*?\\n}\\n`).exec(text);
  assert.ok(m, `${name} not found`);
  return m[0];
}

describe("CRD edge-case schemas and names", () => {
  it("the generated package type-checks under strict", async () => {
    const pkg = join(scratch.dir, "edge");
    await generateCrds({ out: pkg, paths: ["edge.yaml"], cwd: fixtures });
    const files = [...readTree(join(pkg, "src", "generated")).keys()]
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(pkg, "src", "generated", f));
    assert.ok(files.length >= 8, String(files.length));
    // Object literals of the types, as a user writes them (a `constructor` or `toString` property
    // made every literal unassignable: object literals have Object's members).
    const usage = join(pkg, "src", "usage.ts");
    writeFileSync(
      usage,
      [
        'import type { Gadget, GadgetStatusNames } from "./generated/types/my-group2.example.com/v1.js";',
        'import type { Object as Obj, Record } from "./generated/types/globals.example.com/v1.js";',
        'export const names: GadgetStatusNames = { "a.b": "x", "9lives": "y" };',
        'export const withCtor: GadgetStatusNames = { constructor: "c", toString: "t" };',
        "export const gadget: Gadget = {",
        '  apiVersion: "my-group2.example.com/v1",',
        '  kind: "Gadget",',
        '  metadata: { name: "g" },',
        "  spec: { replicas: 1, free: [1] },",
        '  status: { grid: [[1]], odd: "with space", portOrName: "http", names, any: { x: 1 } },',
        "};",
        'export const obj: Obj = { apiVersion: "globals.example.com/v1", kind: "Object", spec: {} };',
        'export const rec: Record = { spec: { map: { a: "b" } } };',
        "// @ts-expect-error: not one of the enum's values",
        'export const bad: Gadget = { status: { odd: "other" } };',
        "",
      ].join("\n"),
    );
    assert.equal(typecheck(scratch.dir, [usage, ...files]), "");
  });

  it("anyOf, oneOf, allOf and not are validation only: the kind stays an interface with its literals", () => {
    // Kept, the root anyOf made the kind `{ ... } | unknown | unknown` (unknown: no apiVersion literal,
    // and ApplyConfiguration<Object> did not compile).
    assert.equal(
      decl(edge.get("types/globals.example.com/v1.ts")!, "Object"),
      [
        "export interface Object {",
        "  /** APIVersion defines the versioned schema of this representation of an object. */",
        '  apiVersion?: "globals.example.com/v1";',
        "  /** Kind is a string value representing the REST resource this object represents. */",
        '  kind?: "Object";',
        "  metadata?: MetaV1ObjectMeta;",
        "  spec?: ObjectSpec;",
        "  status?: { [key: string]: unknown; };",
        "}\n",
      ].join("\n"),
    );
    assert.equal(
      decl(gadget, "GadgetSpec"),
      "export interface GadgetSpec {\n  [key: string]: unknown;\n  mode?: string;\n  replicas?: number;\n}\n",
    );
    assert.equal(
      decl(gadget, "GadgetStatusChoice"),
      "export interface GadgetStatusChoice {\n  a?: string;\n  b?: string;\n}\n",
    );
    const status = decl(gadget, "GadgetStatus");
    assert.match(status, /\n {2}portOrName\?: number \| string;/);
    assert.match(status, /\n {2}notX\?: string;/);
  });

  it("arrays of arrays, maps of strings, of objects, of maps and additionalProperties: true", () => {
    const status = decl(gadget, "GadgetStatus");
    assert.match(status, /\n {2}grid\?: number\[\]\[\];/);
    assert.match(status, /\n {2}cells\?: GadgetStatusCells\[\]\[\];/);
    assert.match(status, /\n {2}byName\?: \{ \[key: string\]: GadgetStatusByNameValue; \};/);
    assert.match(status, /\n {2}nestedMaps\?: \{ \[key: string\]: \{ \[key: string\]: string; \}; \};/);
    assert.match(status, /\n {2}anything\?: \{ \[key: string\]: unknown; \};/);
    // No type: any JSON value (a string, a list), not only an object.
    assert.match(status, /\n {2}any\?: unknown;/);
    assert.match(status, /\n {2}maybeList\?: string\[\] \| null;/);
    assert.match(status, /\n {2}maybeOpen\?: \{ \[key: string\]: unknown; \} \| null;/);
  });

  it("optional properties named like Object's members also admit the prototype's member", () => {
    const names = decl(gadget, "GadgetStatusNames");
    assert.match(names, /\n {2}constructor\?: string \| globalThis\.Object\["constructor"\];/);
    assert.match(names, /\n {2}toString\?: string \| globalThis\.Object\["toString"\];/);
    assert.match(names, /\n {2}function\?: string;/);
    assert.match(names, /\n {2}"a\.b"\?: string;/);
    assert.match(names, /\n {2}"9lives"\?: string;/);
  });

  it("a group starting with a digit and a plural with dashes give identifiers (they gave `2faV1()`, `one-time-codes()`)", () => {
    assert.match(edge.get("clientset/index.ts")!, /\n {2}_2faV1\(\): _2faV1Interface;/);
    const client = edge.get("clientset/2fa.example.com/v1.ts")!;
    assert.match(client, /\n {2}oneTimeCodes\(\): OneTimeCodeInterface;/);
    assert.match(client, /resource: "one-time-codes"/);
    assert.match(edge.get("informers.ts")!, /\n {2}oneTimeCodes\(\): OneTimeCodeInformer;/);
  });

  it("enum values that are not identifiers are quoted string literals", () => {
    assert.match(
      decl(gadget, "GadgetStatus"),
      /\n {2}odd\?: "a-b" \| "1x" \| "with space" \| "" \| "quote\\"d" \| "back\\\\slash";/,
    );
  });

  it("a served version with only x-kubernetes-preserve-unknown-fields is an open kind; a version not served has no module", () => {
    assert.match(
      decl(edge.get("types/my-group2.example.com/v1beta1.ts")!, "Gadget"),
      /^export interface Gadget \{\n {2}\[key: string\]: unknown;\n/,
    );
    assert.deepEqual(
      [...edge.keys()].filter((k) => k.startsWith("types/my-group2")),
      [
        "types/my-group2.example.com/v1.ts",
        "types/my-group2.example.com/v1alpha2.ts",
        "types/my-group2.example.com/v1beta1.ts",
      ],
    );
  });

  it("a deprecated version: @deprecated on its kind with the API server's warning, and the warning as data", () => {
    assert.match(
      edge.get("types/my-group2.example.com/v1beta1.ts")!,
      /\n\/\*\* @deprecated my-group2\.example\.com\/v1beta1 Gadget is deprecated; use v1 \*\/\nexport interface Gadget \{/,
    );
    // Without deprecationWarning: the API server's default text, naming the newest served version
    // that is not deprecated (v1; v1beta1 is deprecated too).
    assert.match(
      edge.get("types/my-group2.example.com/v1alpha2.ts")!,
      /\n\/\*\* @deprecated my-group2\.example\.com\/v1alpha2 Gadget is deprecated; use my-group2\.example\.com\/v1 Gadget \*\/\nexport interface Gadget \{/,
    );
    assert.doesNotMatch(gadget, /@deprecated/);
    const resources = edge.get("resources.ts")!;
    assert.match(
      resources,
      /"deprecationWarning": "my-group2\.example\.com\/v1alpha2 Gadget is deprecated; use my-group2\.example\.com\/v1 Gadget",/,
    );
    assert.equal(resources.match(/"deprecationWarning"/g)?.length, 2);
  });

  it("kinds named like the imported built-ins (ObjectMeta, Scale) or TypeScript globals keep their names", () => {
    const globals = edge.get("types/globals.example.com/v1.ts")!;
    assert.match(
      globals,
      /import type \{ ListMeta, ObjectMeta as MetaV1ObjectMeta \} from "@org\/api-types\/meta\/v1";/,
    );
    assert.match(decl(globals, "ObjectMeta"), /\n {2}metadata\?: MetaV1ObjectMeta;/);
    assert.match(decl(globals, "Object"), /\n {2}kind\?: "Object";/);
    assert.match(decl(globals, "Array"), /\n {2}items: Record\[\];/);
    // Record is the kind here: an object without properties is the global Record (it was the kind's).
    assert.match(decl(globals, "RecordSpec"), /\n {2}marker\?: globalThis\.Record<string, unknown>;/);
    assert.match(decl(gadget, "GadgetStatus"), /\n {2}anything\?: \{ \[key: string\]: unknown; \};/);
    const client = edge.get("clientset/globals.example.com/v1.ts")!;
    assert.match(client, /\n {2}pods\(namespace: string\): PodInterface;/);
    // The kind Pick is imported under an alias: the interfaces use the global Pick (it was the kind's).
    assert.match(client, /\n {2}Pick as GlobalsExampleComV1Pick,\n/);
    assert.match(
      client,
      /export interface PickInterface extends\n {2}Pick<ResourceMethods<GlobalsExampleComV1Pick, PickList, PickApplyConfiguration>,/,
    );
  });
});

/** A CRD document; `names` and `spec` are spliced in as flow YAML. */
const crd = (name: string, spec: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${name} }
spec: ${spec}
`;
const versions = "[{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]";
const thing = (names: string, group = "g.example.com", v = versions) =>
  `{ group: ${group}, scope: Namespaced, names: ${names}, versions: ${v} }`;

describe("CRDs the API server would refuse: an error, not broken code", () => {
  const cases: [string, string, RegExp][] = [
    [
      "a plural that is not a DNS label",
      crd("my things.g.example.com", thing("{ plural: 'my things', kind: Thing }")),
      /^in\.yaml, CRD my things\.g\.example\.com: spec\.names\.plural "my things" is not a DNS label/,
    ],
    [
      "a group without a dot",
      crd("things.g", thing("{ plural: things, kind: Thing }", "g")),
      /^in\.yaml, CRD things\.g: spec\.group "g" is not a DNS subdomain with at least one dot/,
    ],
    [
      "a group with a slash",
      crd("things.a/b.example.com", thing("{ plural: things, kind: Thing }", "a/b.example.com")),
      /spec\.group "a\/b\.example\.com" is not a DNS subdomain/,
    ],
    [
      "a version name that is not a DNS label",
      crd(
        "things.g.example.com",
        thing(
          "{ plural: things, kind: Thing }",
          "g.example.com",
          "[{ name: V1.0, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]",
        ),
      ),
      /^in\.yaml, CRD things\.g\.example\.com: spec\.versions\[\]\.name "V1\.0" is not a DNS label .*"v1", "v1beta1"/,
    ],
    [
      "a short name in upper case",
      crd("things.g.example.com", thing("{ plural: things, kind: Thing, shortNames: [TH] }")),
      /spec\.names\.shortNames\[\] "TH" is not a DNS label/,
    ],
    [
      "a category that is not a DNS label",
      crd("things.g.example.com", thing("{ plural: things, kind: Thing, categories: [all, My_Stuff] }")),
      /^in\.yaml, CRD things\.g\.example\.com: spec\.names\.categories\[\] "My_Stuff" is not a DNS label/,
    ],
    [
      "a kind longer than 63 characters",
      crd("things.g.example.com", thing(`{ plural: things, kind: T${"h".repeat(63)} }`)),
      /^in\.yaml, CRD things\.g\.example\.com: kind Th+ is 64 characters long; the API server allows at most 63$/,
    ],
    [
      "a default list kind longer than 63 characters",
      crd("things.g.example.com", thing(`{ plural: things, kind: T${"h".repeat(59)} }`)),
      /^in\.yaml, CRD things\.g\.example\.com: spec\.names\.listKind Th+List is 64 characters long; the API server allows at most 63$/,
    ],
    [
      "listKind equal to kind",
      crd("things.g.example.com", thing("{ plural: things, kind: Thing, listKind: Thing }")),
      /^in\.yaml, CRD things\.g\.example\.com: spec\.names\.listKind is the kind Thing; give the list its own kind \(default ThingList\)$/,
    ],
    [
      "metadata.name other than <plural>.<group>",
      crd("thing.g.example.com", thing("{ plural: things, kind: Thing }")),
      /^in\.yaml, CRD thing\.g\.example\.com: metadata\.name must be <spec\.names\.plural>\.<spec\.group>: things\.g\.example\.com$/,
    ],
    [
      "versions that are not a list",
      crd("things.g.example.com", thing("{ plural: things, kind: Thing }", "g.example.com", "{ name: v1 }")),
      /^in\.yaml, CRD things\.g\.example\.com: spec\.versions is not a list of versions/,
    ],
    [
      "a version listed twice",
      crd(
        "things.g.example.com",
        thing(
          "{ plural: things, kind: Thing }",
          "g.example.com",
          "[{ name: v1, served: true, schema: { openAPIV3Schema: { type: object } } }, { name: v1, served: true, schema: { openAPIV3Schema: { type: object } } }]",
        ),
      ),
      /^in\.yaml, CRD things\.g\.example\.com: version v1 is listed twice in spec\.versions$/,
    ],
    [
      "two CRDs of a group with the same plural",
      `${crd("things.g.example.com", thing("{ plural: things, kind: Thing }"))}---\n${crd("things.g.example.com", thing("{ plural: things, kind: Other }"))}`,
      /^in\.yaml \(document 2\), CRD things\.g\.example\.com: CRD things\.g\.example\.com is also given in in\.yaml, CRD things\.g\.example\.com; give each CRD once$/,
    ],
    [
      "a kind that is another CRD's list kind",
      `${crd("things.g.example.com", thing("{ plural: things, kind: Thing }"))}---\n${crd("thinglists.g.example.com", thing("{ plural: thinglists, kind: ThingList }"))}`,
      /^in\.yaml \(document 2\), CRD thinglists\.g\.example\.com: kind ThingList of group g\.example\.com is also the list kind of in\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.kind or things\.g\.example\.com's spec\.names\.listKind \(not set: the kind and List\)$/,
    ],
    [
      "the same kind in two CRDs of a group",
      `${crd("things.g.example.com", thing("{ plural: things, kind: Thing }"))}---\n${crd("stuffs.g.example.com", thing("{ plural: stuffs, kind: Thing }"))}`,
      /^in\.yaml \(document 2\), CRD stuffs\.g\.example\.com: kind Thing of group g\.example\.com is also the kind of in\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.kind or things\.g\.example\.com's spec\.names\.kind$/,
    ],
  ];
  for (const [what, text, want] of cases) {
    it(`${what}: a CrdError naming the file, the CRD and the field`, () => {
      assert.throws(
        () => crdFiles(parseManifests(text, "in.yaml")),
        (e) => e instanceof CrdError && (want.test(e.message) || assert.fail(e.message)),
      );
    });
  }

  // The API server's naming controller: within a group, plurals, singulars and short names are one
  // set of names, kinds and list kinds another; a CRD asking for another CRD's name is not served.
  const pair = (a: string, b: string) => [
    ...parseManifests(crd("things.g.example.com", thing(a)), "a.yaml"),
    ...parseManifests(crd("stuffs.g.example.com", thing(b)), "b.yaml"),
  ];
  const conflicts: [string, ReturnType<typeof pair>, RegExp][] = [
    [
      "a singular that is another CRD's (default) singular",
      pair("{ plural: things, kind: Thing }", "{ plural: stuffs, kind: Stuff, singular: thing }"),
      /^b\.yaml, CRD stuffs\.g\.example\.com: singular thing of group g\.example\.com is also the singular of a\.yaml, CRD things\.g\.example\.com; the API server serves only one of two CRDs of a group with one of their resource names \(plural, singular, short names\) \(NamesAccepted False\): rename spec\.names\.singular or things\.g\.example\.com's spec\.names\.singular \(not set: the kind in lower case\)$/,
    ],
    [
      "a singular that is another CRD's plural",
      pair("{ plural: things, kind: Thing }", "{ plural: stuffs, kind: Stuff, singular: things }"),
      /^b\.yaml, CRD stuffs\.g\.example\.com: singular things of group g\.example\.com is also the plural of a\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.singular or things\.g\.example\.com's spec\.names\.plural$/,
    ],
    [
      "a short name another CRD has",
      pair(
        "{ plural: things, kind: Thing, shortNames: [th] }",
        "{ plural: stuffs, kind: Stuff, shortNames: [st, th] }",
      ),
      /^b\.yaml, CRD stuffs\.g\.example\.com: short name th of group g\.example\.com is also the short name of a\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.shortNames or things\.g\.example\.com's spec\.names\.shortNames$/,
    ],
    [
      "a short name that is another CRD's plural",
      pair("{ plural: things, kind: Thing }", "{ plural: stuffs, kind: Stuff, shortNames: [things] }"),
      /^b\.yaml, CRD stuffs\.g\.example\.com: short name things of group g\.example\.com is also the plural of a\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.shortNames or things\.g\.example\.com's spec\.names\.plural$/,
    ],
    [
      "a plural that is another CRD's short name",
      pair("{ plural: things, kind: Thing, shortNames: [stuffs] }", "{ plural: stuffs, kind: Stuff }"),
      /^b\.yaml, CRD stuffs\.g\.example\.com: plural stuffs of group g\.example\.com is also the short name of a\.yaml, CRD things\.g\.example\.com; .*: rename spec\.names\.plural or things\.g\.example\.com's spec\.names\.shortNames$/,
    ],
  ];
  for (const [what, docs, want] of conflicts) {
    it(`${what}: a CrdError naming both CRDs, their files, the name and what to rename`, () => {
      assert.throws(
        () => crdFiles(docs),
        (e) => e instanceof CrdError && (want.test(e.message) || assert.fail(e.message)),
      );
    });
  }

  it("a CRD's own names may repeat each other (singular = plural, a short name = the plural, twice)", () => {
    const text = crd(
      "sheep.g.example.com",
      thing("{ plural: sheep, singular: sheep, kind: Sheep, shortNames: [sheep, sh, sh] }"),
    );
    const other = crd("stuffs.g.example.com", thing("{ plural: stuffs, kind: Stuff, shortNames: [st] }"));
    assert.equal(crdFiles(parseManifests(`${text}---\n${other}`, "in.yaml")).resources, 2);
  });

  it("groups whose first labels differ only in dashes (x-y, x--y) get distinct group methods (both were xYV1)", () => {
    const text = ["x-y.example.com", "x--y.example.com", "xy.example.com"]
      .map((g) => crd(`things.${g}`, thing("{ plural: things, kind: Thing }", g)))
      .join("---\n");
    const index = crdFiles(parseManifests(text, "in.yaml")).files.get("clientset/index.ts")!;
    const methods = [...index.matchAll(/\n {2}(\w+)\(\): (\w+);/g)].map((m) => `${m[1]}: ${m[2]}`);
    assert.deepEqual(methods, [
      "xYV1: XYV1Interface",
      "xYExampleComV1: XYExampleComV1Interface",
      "xyV1: XyV1Interface",
    ]);
  });

  it("the same CRDs in other groups, with valid names, generate", () => {
    const text = `${crd("things.g.example.com", thing("{ plural: things, kind: Thing }"))}---\n${crd("things.h-2.example.com", thing("{ plural: things, kind: Thing, shortNames: [th] }", "h-2.example.com"))}`;
    assert.equal(crdFiles(parseManifests(text, "in.yaml")).resources, 2);
  });
});

describe("CRD input shapes", () => {
  const object = (plural: string, kind: string) => ({
    metadata: { name: `${plural}.l.example.com` },
    spec: {
      group: "l.example.com",
      scope: "Namespaced",
      names: { plural, kind },
      versions: [
        { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
      ],
    },
  });

  it("the API server's own list (curl, kubectl get --raw): items without apiVersion and kind are the list's", () => {
    const text = JSON.stringify({
      kind: "CustomResourceDefinitionList",
      apiVersion: "apiextensions.k8s.io/v1",
      metadata: { resourceVersion: "1" },
      items: [object("as", "A"), object("bs", "B")],
    });
    const { crds } = crdFiles(parseManifests(text, "crds.json"));
    assert.deepEqual(
      crds.resources.map((r) => r.crd),
      ["as.l.example.com", "bs.l.example.com"],
    );
  });

  it("an error in a List's item names the item", () => {
    const text = JSON.stringify({
      kind: "List",
      apiVersion: "v1",
      items: [
        { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...object("as", "A") },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      ],
    });
    assert.throws(
      () => crdFiles(parseManifests(`---\n${text}`, "list.json")),
      /^CrdError: list\.json \(item 2\): not a CustomResourceDefinition \(apiVersion v1, kind ConfigMap, name c\)/,
    );
    assert.throws(
      () =>
        crdFiles(
          parseManifests(
            `${JSON.stringify({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...object("cs", "C") })}\n---\n${text}`,
            "list.yaml",
          ),
        ),
      /^CrdError: list\.yaml \(document 2, item 2\): not a CustomResourceDefinition/,
    );
  });

  it("an empty file, one of comments or empty documents, or an empty List: an error naming the file", () => {
    const dir = join(scratch.dir, "empty");
    mkdirSync(join(dir, "sub"), { recursive: true });
    const inputs: [string, string][] = [
      ["empty.yaml", ""],
      ["comments.yaml", "# nothing yet\n"],
      ["dashes.yaml", "---\n---\n"],
      [
        "list.json",
        '{"kind": "CustomResourceDefinitionList", "apiVersion": "apiextensions.k8s.io/v1", "items": []}',
      ],
    ];
    for (const [file, text] of inputs) {
      writeFileSync(join(dir, file), text);
      assert.throws(
        () => readCrdFiles([file], dir),
        (e) =>
          e instanceof CrdError &&
          e.message ===
            `${file}: no documents (the file is empty, only comments or an empty List); give the files of the CustomResourceDefinitions`,
      );
    }
    writeFileSync(join(dir, "sub", "a.yaml"), "");
    assert.throws(() => readCrdFiles(["sub"], dir), /^CrdError: sub: no documents \(its files are empty\)/);
  });

  it("a file that is not YAML, and documents that are not objects, name the file and what was found", () => {
    for (const [text, want] of [
      ["\u0000\u0001", /^CrdError: bin\.yaml is not valid YAML: .* at line 1, column 1$/],
      [
        "just some words\n",
        /^CrdError: bin\.yaml: not a Kubernetes object \(a string without apiVersion and kind\); expected a CustomResourceDefinition \(apiVersion: apiextensions\.k8s\.io\/v1\)$/,
      ],
      [
        "- a\n- b\n",
        /^CrdError: bin\.yaml: not a Kubernetes object \(a YAML list without apiVersion and kind\)/,
      ],
    ] as const) {
      assert.throws(() => crdFiles(parseManifests(text, "bin.yaml")), want);
    }
  });
});

/** A namespaced CRD of group `n.example.com`, version v1, kind Thing, with `schema` as its openAPIV3Schema (flow YAML). */
const thingCrd = (schema: string) =>
  crd(
    "things.n.example.com",
    `{ group: n.example.com, scope: Namespaced, names: { plural: things, kind: Thing }, versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: ${schema} } }] }`,
  );

/** Generates `text` (one file, in.yaml) into a scratch package; writes `usage` next to it; type-checks both strictly. */
async function generateAndCheck(name: string, text: string, usage: string): Promise<string> {
  const pkg = join(scratch.dir, name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "in.yaml"), text);
  await generateCrds({ out: pkg, paths: ["in.yaml"], cwd: pkg });
  const generated = join(pkg, "src", "generated");
  const files = [...readTree(generated).keys()]
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(generated, f));
  const usageFile = join(pkg, "src", "usage.ts");
  writeFileSync(usageFile, usage);
  assert.equal(typecheck(scratch.dir, [usageFile, ...files]), "");
  return usageFile;
}

describe("nullable objects, lists and maps", () => {
  const nullableCrd =
    thingCrd(`{ type: object, properties: { spec: { type: object, nullable: true, properties: {
    ports: { type: array, nullable: true, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name],
      items: { type: object, nullable: true, required: [name], properties: { name: { type: string }, port: { type: integer } } } },
    owners: { type: object, nullable: true, additionalProperties: { type: object, nullable: true, properties: { id: { type: string } } } },
    labels: { type: object, nullable: true, x-kubernetes-map-type: atomic, additionalProperties: { type: string } },
    selector: { type: object, nullable: true, x-kubernetes-map-type: atomic, properties: { app: { type: string } } } } } } }`);

  it("keep their references, list-map keys and map types in the schema table (only the type gets | null)", () => {
    const files = crdFiles(parseManifests(nullableCrd, "in.yaml")).files;
    const table = files.get("clientset/schema.ts")!;
    assert.match(table, /\n {6}"spec": \{ "ref": "com\.example\.n\.v1\.ThingSpec" \},\n/);
    assert.match(
      table,
      /\n {6}"ports": \{ "list": "map", "keys": \["name"\], "ref": "com\.example\.n\.v1\.ThingSpecPorts" \},\n/,
    );
    assert.match(
      table,
      /\n {6}"owners": \{ "map": true, "ref": "com\.example\.n\.v1\.ThingSpecOwnersValue" \},\n/,
    );
    assert.match(table, /\n {6}"labels": \{ "map": true, "atomic": true \},\n/);
    assert.match(table, /\n {6}"selector": \{ "ref": "com\.example\.n\.v1\.ThingSpecSelector" \},\n/);
    assert.match(
      table,
      /"com\.example\.n\.v1\.ThingSpecSelector": \{ "app": \{\}, "\.": \{ "atomic": true \} \}/,
    );
    const types = files.get("types/n.example.com/v1.ts")!;
    assert.match(decl(types, "Thing"), /\n {2}spec\?: ThingSpec \| null;/);
    assert.match(decl(types, "ThingSpec"), /\n {2}ports\?: \(ThingSpecPorts \| null\)\[\] \| null;/);
    assert.match(decl(types, "ThingSpec"), /\n {2}selector\?: ThingSpecSelector \| null;/);
  });

  it("the fake clientset's server-side apply merges a list-map under a nullable field by key (it reported a 409)", async () => {
    const usage = await generateAndCheck(
      "nullable",
      nullableCrd,
      `import { newClientset } from "@org/clientset";
import { newFakeClientsetWithOptions } from "@org/clientset/fake";
import { type GeneratedClientset, groupVersions } from "./generated/clientset/index.js";
import { schemaTable } from "./generated/clientset/schema.js";
import type { ThingSpec } from "./generated/types/n.example.com/v1.js";

export async function exercise(crd: object): Promise<unknown> {
  const fake = newFakeClientsetWithOptions({ schemas: [schemaTable] }, crd);
  await fake.coreV1().namespaces().create({ metadata: { name: "ns" } });
  const things = newClientset<GeneratedClientset>(fake.restClient, groupVersions).nV1().things("ns");
  const apply = (spec: ThingSpec, fieldManager: string) =>
    things.apply({ apiVersion: "n.example.com/v1", kind: "Thing", metadata: { name: "t" }, spec }, { fieldManager });
  await apply({ ports: [{ name: "a", port: 1 }], owners: { x: { id: "1" } } }, "m1");
  const merged = await apply({ ports: [{ name: "b", port: 2 }], owners: { y: { id: "2" } } }, "m2");
  return merged.spec;
}
`,
    );
    const { exercise } = (await import(usage)) as { exercise: (crd: object) => Promise<unknown> };
    const [doc] = parseManifests(nullableCrd, "in.yaml");
    assert.deepEqual(await exercise(doc!.object as object), {
      ports: [
        { name: "a", port: 1 },
        { name: "b", port: 2 },
      ],
      owners: { x: { id: "1" }, y: { id: "2" } },
    });
  });
});

describe("x-kubernetes-preserve-unknown-fields at the root or in spec", () => {
  const openCrd = thingCrd(`{ type: object, x-kubernetes-preserve-unknown-fields: true, properties: {
    spec: { type: object, x-kubernetes-preserve-unknown-fields: true, required: [size], properties: {
      size: { type: integer }, mode: { type: string, enum: [a, b] }, inner: { type: object, properties: { "n": { type: integer } } } } },
    status: { type: object, properties: { ready: { type: boolean } } } } }`);
  // Open in spec only.
  const openSpecCrd = crd(
    "gizmos.n.example.com",
    `{ group: n.example.com, scope: Namespaced, names: { plural: gizmos, kind: Gizmo }, versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, properties: {
      spec: { type: object, x-kubernetes-preserve-unknown-fields: true, properties: { size: { type: integer } } } } } } }] }`,
  );

  it("the apply configuration keeps the declared fields typed and allows unknown ones", async () => {
    await generateAndCheck(
      "open",
      `${openCrd}---\n${openSpecCrd}`,
      `import type { GizmoApplyConfiguration, Thing, ThingApplyConfiguration } from "./generated/types/n.example.com/v1.js";

const base = { apiVersion: "n.example.com/v1", kind: "Thing", metadata: { name: "t" } } as const;
export const ok: ThingApplyConfiguration = { ...base, spec: { mode: "a", inner: { n: 1 }, extra: [1] }, other: 1 };
export const partial: ThingApplyConfiguration = { ...base, status: {} };
// @ts-expect-error: size is an integer
export const badSize: ThingApplyConfiguration = { ...base, spec: { size: "1" } };
// @ts-expect-error: not one of the enum's values
export const badMode: ThingApplyConfiguration = { ...base, spec: { mode: "c" } };
// @ts-expect-error: ready is a boolean
export const badStatus: ThingApplyConfiguration = { ...base, status: { ready: "yes" } };
// @ts-expect-error: inner is an object
export const badInner: ThingApplyConfiguration = { ...base, spec: { inner: 1 } };
// @ts-expect-error: the kind's literal
export const badKind: ThingApplyConfiguration = { ...base, kind: "Other" };
// @ts-expect-error: metadata.name is required
export const noName: ThingApplyConfiguration = { ...base, metadata: {} };
// Declared fields read with their types.
export const size = (t: ThingApplyConfiguration): number | undefined => t.spec?.size;
export const full = (t: Thing): number | undefined => t.spec?.size;
const gizmo = { apiVersion: "n.example.com/v1", kind: "Gizmo", metadata: { name: "g" } } as const;
export const gizmoOk: GizmoApplyConfiguration = { ...gizmo, spec: { size: 1, extra: "x" } };
// @ts-expect-error: size is an integer
export const gizmoBad: GizmoApplyConfiguration = { ...gizmo, spec: { size: "1" } };
// @ts-expect-error: the kind is not open
export const gizmoUnknown: GizmoApplyConfiguration = { ...gizmo, other: 1 };
`,
    );
  });
});

describe("x-kubernetes-preserve-unknown-fields without a type", () => {
  // The API server takes any JSON value there: a string, a number, a list, an object.
  const anyCrd = thingCrd(`{ type: object, properties: { spec: { type: object, properties: {
    raw: { x-kubernetes-preserve-unknown-fields: true },
    rawList: { type: array, items: { x-kubernetes-preserve-unknown-fields: true } },
    rawMap: { type: object, additionalProperties: { x-kubernetes-preserve-unknown-fields: true } },
    open: { type: object, x-kubernetes-preserve-unknown-fields: true } } } } }`);

  it("is unknown (it was an object type): as a field, as list items and as map values; with type: object it stays an open object", async () => {
    const files = crdFiles(parseManifests(anyCrd, "in.yaml")).files;
    assert.equal(
      decl(files.get("types/n.example.com/v1.ts")!, "ThingSpec"),
      [
        "export interface ThingSpec {",
        "  open?: { [key: string]: unknown; };",
        "  raw?: unknown;",
        "  rawList?: unknown[];",
        "  rawMap?: { [key: string]: unknown; };",
        "}\n",
      ].join("\n"),
    );
    // How they merge is unchanged: the field itself a map when it holds an object (structured-merge-
    // diff's deduced type), a list of them atomic, a map of them a map.
    const table = files.get("clientset/schema.ts")!;
    assert.match(table, /"raw": \{ "map": true \}/);
    assert.match(table, /"rawList": \{ "list": "atomic" \}/);
    assert.match(table, /"rawMap": \{ "map": true \}/);
    await generateAndCheck(
      "untyped",
      anyCrd,
      `import type { ThingSpec } from "./generated/types/n.example.com/v1.js";

export const values: ThingSpec[] = [
  { raw: "a string", rawList: [1, "two", [3], { four: 4 }, null], rawMap: { a: "x", b: [1], c: 2 } },
  { raw: [1, 2, 3] },
  { raw: 1 },
  { raw: { any: { thing: true } }, open: { x: 1 } },
];
// @ts-expect-error: type: object takes objects only
export const notAnObject: ThingSpec = { open: "x" };
`,
    );
  });
});

describe("properties named __proto__ or like Object's members", () => {
  const spec = `{ type: object, required: [__proto__], properties: {
    __proto__: { type: string },
    constructor: { type: object, properties: { x: { type: integer } } },
    toString: { type: array, x-kubernetes-list-type: set, items: { type: string } },
    hasOwnProperty: { type: integer },
    valueOf: { type: object, x-kubernetes-map-type: atomic, additionalProperties: { type: string } } } }`;
  const yamlText = thingCrd(`{ type: object, properties: { spec: ${spec} } }`);

  it("every one reaches the type and the schema table, from YAML and from JSON", async () => {
    const [doc] = parseManifests(yamlText, "in.yaml");
    const fromJson = crdFiles(parseManifests(JSON.stringify(doc!.object), "in.json")).files;
    const files = crdFiles([doc!]).files;
    assert.deepEqual([...fromJson], [...files]);
    assert.equal(
      decl(files.get("types/n.example.com/v1.ts")!, "ThingSpec"),
      [
        "export interface ThingSpec {",
        "  __proto__: string;",
        '  constructor?: ThingSpecConstructor | globalThis.Object["constructor"];',
        '  hasOwnProperty?: number | globalThis.Object["hasOwnProperty"];',
        '  toString?: string[] | globalThis.Object["toString"];',
        '  valueOf?: { [key: string]: string; } | globalThis.Object["valueOf"];',
        "}\n",
      ].join("\n"),
    );
    const usage = await generateAndCheck(
      "proto",
      yamlText,
      `import { schemaTable } from "./generated/clientset/schema.js";
import type { ThingSpec } from "./generated/types/n.example.com/v1.js";

export const spec: ThingSpec = JSON.parse('{"__proto__": "p", "toString": ["a"]}');
export const fields = schemaTable.types["com.example.n.v1.ThingSpec"];
`,
    );
    // In the table's object literal a "__proto__" key would set the prototype: it is a computed key.
    assert.match(files.get("clientset/schema.ts")!, /\n {6}\["__proto__"\]: \{\},\n/);
    const { fields } = (await import(usage)) as { fields: Record<string, unknown> };
    assert.deepEqual(Object.getPrototypeOf(fields), Object.prototype);
    assert.deepEqual(Object.entries(fields), [
      ["__proto__", {}],
      ["constructor", { ref: "com.example.n.v1.ThingSpecConstructor" }],
      ["hasOwnProperty", {}],
      ["toString", { list: "set" }],
      ["valueOf", { map: true, atomic: true }],
    ]);
  });
});

/** CRDs of group n.example.com (or `group`), each `plural:Kind[:group[:singular]]`, with one served version v1 (or `version`). */
const kinds = (specs: string[], version = "v1") =>
  specs
    .map((s) => {
      const [plural, kind, group = "n.example.com", singular] = s.split(":");
      return crd(
        `${plural}.${group}`,
        `{ group: ${group}, scope: Namespaced, names: { plural: ${plural}, kind: ${kind}${singular ? `, singular: ${singular}` : ""} }, versions: [{ name: ${version}, served: true, storage: true, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { a: { type: string } } } } } } }] }`,
      );
    })
    .join("---\n");

describe("generated names that would collide", () => {
  it("kinds Foo and FooNamespace: only Foo's namespace lister is renamed (NV1FooNamespaceLister), whichever kind comes first by plural; no other name changes when one of the kinds is added", async () => {
    const informerNames = (specs: string[]) =>
      [
        ...crdFiles(parseManifests(kinds(specs), "in.yaml"))
          .files.get("informers.ts")!
          .matchAll(/^export interface (\w+) extends (\w+<[^>]*>)/gm),
      ]
        .map((m) => `${m[1]}: ${m[2]}`)
        .sort();
    const foo = [
      "FooInformer: ResourceInformer<NV1Foo, FooLister>",
      "FooLister: Lister<NV1Foo>",
      "FooNamespaceLister: NamespaceLister<NV1Foo>",
    ];
    const fooNamespace = [
      "FooNamespaceInformer: ResourceInformer<NV1FooNamespace, FooNamespaceLister>",
      "FooNamespaceLister: Lister<NV1FooNamespace>",
      "FooNamespaceNamespaceLister: NamespaceLister<NV1FooNamespace>",
    ];
    assert.deepEqual(informerNames(["foos:Foo"]), foo);
    assert.deepEqual(informerNames(["foonamespaces:FooNamespace"]), fooNamespace);
    const both = [
      "FooInformer: ResourceInformer<NV1Foo, FooLister>",
      "FooLister: Lister<NV1Foo>",
      ...fooNamespace,
      "NV1FooNamespaceLister: NamespaceLister<NV1Foo>",
    ].sort();
    // FooNamespace before Foo by plural (foonamespaces < foos: Foo's lister and informer were
    // NV1FooLister and NV1FooInformer), and after it (zfoonamespaces).
    assert.deepEqual(informerNames(["foos:Foo", "foonamespaces:FooNamespace"]), both);
    assert.deepEqual(informerNames(["foos:Foo", "zfoonamespaces:FooNamespace"]), both);
    await generateAndCheck(
      "foo-namespace",
      kinds(["foos:Foo", "foonamespaces:FooNamespace"]),
      `import type { FooInformer, FooNamespaceInformer, NV1FooNamespaceLister } from "./generated/informers.js";
export const names = (a: FooNamespaceInformer, b: FooInformer) =>
  [a.lister().fooNamespaces("ns").list(), b.lister().foos("ns").list()] as const;
export const namespaced = (b: FooInformer): NV1FooNamespaceLister => b.lister().foos("ns");
`,
    );
  });

  it("kind AV1 of a.example.com/v1 keeps AV1Interface; the group-version's interface is AV1GroupInterface (both were AV1Interface)", async () => {
    const text = kinds(["avs:AV1:a.example.com"]);
    const files = crdFiles(parseManifests(text, "in.yaml")).files;
    assert.match(files.get("clientset/index.ts")!, /\n {2}aV1\(\): AV1GroupInterface;\n/);
    // The doc comment says which name client-go has and why this one differs (it said "client-go's AV1Interface" only).
    assert.match(
      files.get("clientset/a.example.com/v1.ts")!,
      /\n \* AV1GroupInterface: the a\.example\.com\/v1 resources \(client-go's AV1Interface; AV1Interface is kind AV1's\n \* interface here\)\.\n \*\/\nexport interface AV1GroupInterface \{\n/,
    );
    assert.match(files.get("clientset/a.example.com/v1.ts")!, /\nexport interface AV1Interface extends\n/);
    assert.match(
      files.get("clientset/a.example.com/v1.ts")!,
      /\n {2}aVs\(namespace: string\): AV1Interface;\n/,
    );
    await generateAndCheck(
      "av1",
      text,
      `import type { AV1GroupInterface, AV1Interface, GeneratedClientset } from "./generated/clientset/index.js";
export const client = (c: GeneratedClientset): AV1GroupInterface => c.aV1();
export const avs = (c: GeneratedClientset): AV1Interface => c.aV1().aVs("ns");
`,
    );
  });

  const refused: [string, string, RegExp][] = [
    [
      "kinds FOO and Foo (both fooResource; singulars of their own, else both were foo)",
      kinds(["foos:FOO:n.example.com:foo", "fooes:Foo:n.example.com:fooe"]),
      /^in\.yaml \(document 2\), CRD fooes\.n\.example\.com, version v1 and in\.yaml, CRD foos\.n\.example\.com, version v1: kind Foo's descriptor and kind FOO's descriptor would both be named fooResource \(in clientset\/n\.example\.com\/v1\.ts\); rename one of the kinds \(spec\.names\.kind; they differ only in case\)$/,
    ],
    [
      "kinds Widget and WidgetApplyConfiguration",
      kinds(["widgets:Widget", "widgetapplyconfigurations:WidgetApplyConfiguration"]),
      /^in\.yaml, CRD widgets\.n\.example\.com, version v1 and in\.yaml \(document 2\), CRD widgetapplyconfigurations\.n\.example\.com, version v1: kind Widget's apply configuration and kind WidgetApplyConfiguration would both be named WidgetApplyConfiguration \(in types\/n\.example\.com\/v1\.ts\); rename one of the kinds \(spec\.names\.kind\)$/,
    ],
  ];
  for (const [what, text, want] of refused) {
    it(`${what}: a CrdError naming both CRDs, their files and what to rename`, () => {
      assert.throws(
        () => crdFiles(parseManifests(text, "in.yaml")),
        (e) => e instanceof CrdError && (want.test(e.message) || assert.fail(e.message)),
      );
    });
  }
});

describe("kinds the API server accepts: a DNS-1035 label once in lower case", () => {
  const text = kinds(["lowerkinds:lowerkind", "foo-bars:Foo-Bar", "foo9s:Foo9"]);

  it("keep their spelling on the wire; their types are named with the words capitalized and joined (lowerkind → Lowerkind, Foo-Bar → FooBar)", async () => {
    const files = crdFiles(parseManifests(text, "in.yaml")).files;
    const types = files.get("types/n.example.com/v1.ts")!;
    assert.match(decl(types, "FooBar"), /\n {2}kind\?: "Foo-Bar";\n/);
    assert.match(decl(types, "FooBarList"), /\n {2}kind\?: "Foo-BarList";\n/);
    assert.match(decl(types, "Lowerkind"), /\n {2}kind\?: "lowerkind";\n/);
    assert.match(decl(types, "Foo9"), /\n {2}kind\?: "Foo9";\n/);
    const client = files.get("clientset/n.example.com/v1.ts")!;
    assert.match(
      client,
      /export const fooBarResource: ResourceDescriptor = \{\n[^}]*kind: "Foo-Bar",\s+listKind: "Foo-BarList",\s+resource: "foo-bars",/,
    );
    assert.match(
      client,
      /export const lowerkindResource: ResourceDescriptor = \{\n[^}]*kind: "lowerkind",\s+listKind: "lowerkindList",/,
    );
    assert.match(client, /export interface FooBarInterface extends/);
    assert.match(files.get("clientset/index.ts")!, /\n {2}nV1\(\): NV1Interface;/);
    assert.match(files.get("informers.ts")!, /export interface FooBarLister extends Lister</);
    assert.match(files.get("resources.ts")!, /"kind": "Foo-Bar"/);
    assert.match(
      files.get("clientset/schema.ts")!,
      /"n\.example\.com\/v1\/Foo-Bar": "com\.example\.n\.v1\.FooBar"/,
    );
    await generateAndCheck(
      "kinds",
      text,
      `import type { FooBar, FooBarList, Lowerkind } from "./generated/types/n.example.com/v1.js";

export const fooBar: FooBar = { apiVersion: "n.example.com/v1", kind: "Foo-Bar", spec: { a: "x" } };
export const list: FooBarList = { kind: "Foo-BarList", items: [fooBar] };
export const lower: Lowerkind = { apiVersion: "n.example.com/v1", kind: "lowerkind" };
// @ts-expect-error: the kind as the API server spells it
export const typeName: FooBar = { kind: "FooBar" };
`,
    );
  });

  it("from --from-cluster (the listed items, as readClusterCrds gives them) the same bytes as from the file", () => {
    const fromFile = crdFiles(parseManifests(text, "in.yaml")).files;
    const listed = parseManifests(text, "in.yaml")
      .map((d) => ({ file: "cluster https://127.0.0.1:6443", document: 1, object: d.object }))
      .sort((a, b) =>
        (a.object as { metadata: { name: string } }).metadata.name <
        (b.object as { metadata: { name: string } }).metadata.name
          ? -1
          : 1,
      );
    assert.deepEqual([...crdFiles(listed).files], [...fromFile]);
  });

  const refused: [string, string, RegExp][] = [
    [
      "kinds Foo-Bar and FooBar (both type FooBar)",
      kinds(["foo-bars:Foo-Bar", "foobars:FooBar"]),
      /^in\.yaml \(document 2\), CRD foobars\.n\.example\.com: kind FooBar and the kind Foo-Bar of in\.yaml, CRD foo-bars\.n\.example\.com would both be the TypeScript type FooBar \(.*\); rename spec\.names\.kind or foo-bars\.n\.example\.com's spec\.names\.kind$/,
    ],
    [
      "a kind whose list kind has its type name (Foo-Bar, list kind FooBar)",
      kinds(["foo-bars:Foo-Bar"]).replace("kind: Foo-Bar", "kind: Foo-Bar, listKind: FooBar"),
      /^in\.yaml, CRD foo-bars\.n\.example\.com: list kind FooBar and the kind Foo-Bar would both be the TypeScript type FooBar \(.*\); rename spec\.names\.listKind or spec\.names\.kind$/,
    ],
    ...["Foo_Bar", "9Lives", "Foo-", "Foo.Bar"].map((kind): [string, string, RegExp] => [
      `kind ${kind} (not a DNS-1035 label in lower case)`,
      kinds([`things:'${kind}'`]),
      new RegExp(
        `^in\\.yaml, CRD things\\.n\\.example\\.com: kind "${kind.replace(".", "\\.")}" is not a kind the API server accepts: in lower case it must be a DNS-1035 label .*; rename spec\\.names\\.kind$`,
      ),
    ]),
  ];
  for (const [what, input, want] of refused) {
    it(`${what}: a CrdError that says why and what to rename`, () => {
      assert.throws(
        () => crdFiles(parseManifests(input, "in.yaml")),
        (e) => e instanceof CrdError && (want.test(e.message) || assert.fail(e.message)),
      );
    });
  }
});

describe("versions that are DNS labels but not vN, vNalphaM or vNbetaM", () => {
  const versions = ["alpha", "latest", "v1-1", "v11", "v2x", "v1-beta1", "v1beta1"];
  const text = crd(
    "things.n.example.com",
    `{ group: n.example.com, scope: Namespaced, names: { plural: things, kind: Thing }, versions: [${versions
      .map(
        (v, i) =>
          `{ name: ${v}, served: true, storage: ${i === 0}, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { a: { type: string } } } } } } }`,
      )
      .join(", ")}] }`,
  );

  it("get a module of their own under the group, and distinct clientset methods (v1beta1 and v1-beta1 were one)", async () => {
    const files = crdFiles(parseManifests(text, "in.yaml")).files;
    assert.deepEqual(
      [...files.keys()].filter((k) => k.startsWith("types/n.example.com/")).sort(),
      versions.map((v) => `types/n.example.com/${v}.ts`).sort(),
    );
    assert.match(
      files.get("types/n.example.com/v1-beta1.ts")!,
      /\n {2}apiVersion\?: "n\.example\.com\/v1-beta1";\n/,
    );
    const index = files.get("clientset/index.ts")!;
    assert.deepEqual(
      [...index.matchAll(/\n {2}(\w+)\(\): (\w+);/g)].map((m) => `${m[1]}: ${m[2]}`),
      [
        // Kubernetes' order: vN, vNbetaM, vNalphaM first, then the others alphabetically.
        "nV11: NV11Interface",
        "nV1beta1: NV1beta1Interface",
        "nAlpha: NAlphaInterface",
        "nLatest: NLatestInterface",
        "nV1_1: NV1_1Interface",
        "nV1_beta1: NV1_beta1Interface",
        "nV2x: NV2xInterface",
      ],
    );
    assert.match(
      index,
      /\nimport \{ nV1_beta1, type NV1_beta1Interface \} from "\.\/n\.example\.com\/v1-beta1\.js";\n/,
    );
    // A version with a dash is no Go package: no client-go name to cite (it said "client-go's NV1_beta1Interface").
    assert.match(
      files.get("clientset/n.example.com/v1-beta1.ts")!,
      /\n\/\*\* NV1_beta1Interface: the n\.example\.com\/v1-beta1 resources\. \*\/\n/,
    );
    assert.match(
      files.get("clientset/n.example.com/v1beta1.ts")!,
      /\n\/\*\* NV1beta1Interface: the n\.example\.com\/v1beta1 resources \(client-go's NV1beta1Interface\)\. \*\/\n/,
    );
    await generateAndCheck(
      "versions",
      text,
      `import type { GeneratedClientset } from "./generated/clientset/index.js";
import type { Thing } from "./generated/types/n.example.com/v1-beta1.js";
export const get = (c: GeneratedClientset): Promise<Thing> => c.nV1_beta1().things("ns").get("t");
`,
    );
  });
});

describe("versions v1-1 and v11 in one package", () => {
  // Kinds Gadget (first by plural) and Scale, with the scale subresource: each clientset module
  // imports autoscaling/v1's Scale for Gadget, then the kind Scale under an alias with the module's
  // prefix (both modules' was NExampleComV11Scale).
  const kind = (plural: string, kind: string) =>
    crd(
      `${plural}.n.example.com`,
      `{ group: n.example.com, scope: Namespaced, names: { plural: ${plural}, kind: ${kind} }, versions: [${[
        "v1-1",
        "v11",
      ]
        .map(
          (v, i) =>
            `{ name: ${v}, served: true, storage: ${i === 0}, subresources: { scale: { specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas } }, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { replicas: { type: integer } } }, status: { type: object, properties: { replicas: { type: integer } } } } } } }`,
        )
        .join(", ")}] }`,
    );
  const text = `${kind("gadgets", "Gadget")}---\n${kind("scales", "Scale")}`;

  it("get distinct import-alias prefixes (NExampleComV1_1, NExampleComV11) and compile", async () => {
    const files = crdFiles(parseManifests(text, "in.yaml")).files;
    const aliases = (path: string) => [...files.get(path)!.matchAll(/\bScale as (\w+),/g)].map((m) => m[1]);
    assert.deepEqual(aliases("clientset/n.example.com/v1-1.ts"), ["NExampleComV1_1Scale"]);
    assert.deepEqual(aliases("clientset/n.example.com/v11.ts"), ["NExampleComV11Scale"]);
    await generateAndCheck(
      "v1-1-v11",
      text,
      `import type { Scale as AutoscalingScale } from "@org/api-types/autoscaling/v1";
import type { GeneratedClientset } from "./generated/clientset/index.js";
import type { Scale as A } from "./generated/types/n.example.com/v1-1.js";
import type { Scale as B } from "./generated/types/n.example.com/v11.js";
export const get = (c: GeneratedClientset): Promise<[A, B, AutoscalingScale]> =>
  Promise.all([c.nV1_1().scales("ns").get("s"), c.nV11().scales("ns").get("s"), c.nV11().scales("ns").getScale("s")]);
`,
    );
  });
});

describe("an import alias that is already a name of the module", () => {
  it("gets a number: kinds Scale and NExampleComV1Scale next to autoscaling/v1's Scale, ObjectMeta and MetaV1ObjectMeta next to meta/v1's (each alias was declared twice)", async () => {
    const scaled = (plural: string, kind: string) =>
      crd(
        `${plural}.n.example.com`,
        `{ group: n.example.com, scope: Namespaced, names: { plural: ${plural}, kind: ${kind} }, versions: [{ name: v1, served: true, storage: true, subresources: { scale: { specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas } }, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { replicas: { type: integer } } } } } } }] }`,
      );
    const text = [
      scaled("gadgets", "Gadget"),
      scaled("nexamplecomv1scales", "NExampleComV1Scale"),
      scaled("scales", "Scale"),
      scaled("objectmetas", "ObjectMeta"),
      scaled("metav1objectmetas", "MetaV1ObjectMeta"),
    ].join("---\n");
    const { files } = crdFiles(parseManifests(text, "in.yaml"));
    assert.match(files.get("clientset/n.example.com/v1.ts")!, /\n {2}Scale as NExampleComV1Scale2,\n/);
    assert.match(files.get("types/n.example.com/v1.ts")!, /\bObjectMeta as MetaV1ObjectMeta2\b/);
    await generateAndCheck(
      "alias-taken",
      text,
      `import type { GeneratedClientset } from "./generated/clientset/index.js";
import type { NExampleComV1Scale, Scale } from "./generated/types/n.example.com/v1.js";
export const get = (c: GeneratedClientset): Promise<[Scale, NExampleComV1Scale]> =>
  Promise.all([c.nV1().scales("ns").get("s"), c.nV1().nExampleComV1Scales("ns").get("s")]);
`,
    );
  });
});

describe("two group-versions with one clientset method, two resources with one getter", () => {
  it("a CrdError naming both CRDs and their files (the generated code declared the method twice)", () => {
    // a.a.example.com (the first by name) keeps aV1(); the other two are spelled out, both aBCExampleComV1().
    const docs = [
      ...parseManifests(kinds(["things:Thing:a.a.example.com"]), "a.yaml"),
      ...parseManifests(kinds(["things:Thing:a.b-c.example.com"]), "abc.yaml"),
      ...parseManifests(
        `# the same group spelled with dots\n${kinds(["things:Thing:a.b.c.example.com"])}`,
        "a-b-c.yaml",
      ),
    ];
    assert.throws(
      () => crdFiles(docs),
      (e) =>
        e instanceof CrdError &&
        (e.message ===
          "abc.yaml, CRD things.a.b-c.example.com, version v1 and a-b-c.yaml, CRD things.a.b.c.example.com, version v1: a.b-c.example.com/v1's clientset method and a.b.c.example.com/v1's clientset method would both be named aBCExampleComV1 (in clientset/index.ts); rename one of the groups (spec.group)" ||
          assert.fail(e.message)),
    );
  });

  it("kinds AB (plural a-bs) and ABs (plural abs): both getters aBs", () => {
    assert.throws(
      () => crdFiles(parseManifests(kinds(["a-bs:AB", "abs:ABs"]), "in.yaml")),
      (e) =>
        e instanceof CrdError &&
        (e.message ===
          "in.yaml, CRD a-bs.n.example.com, version v1 and in.yaml (document 2), CRD abs.n.example.com, version v1: kind AB's getter (a-bs) and kind ABs's getter (abs) would both be named aBs (in the n.example.com/v1 client); rename one of the plurals (spec.names.plural)" ||
          assert.fail(e.message)),
    );
  });
});

describe("manifests read as kubectl reads them (YAML 1.1, sigs.k8s.io/yaml)", () => {
  it("a key given twice keeps its last value (YAML and JSON), as kubectl sends it", () => {
    const withDuplicate = `${kinds(["foos:Foo"])}---\n${kinds(["bars:Bar"]).replace("kind: Bar }", "kind: Baz, kind: Bar }")}`;
    assert.match(withDuplicate, /kind: Baz, kind: Bar/);
    const docs = parseManifests(withDuplicate, "in.yaml");
    assert.equal((docs[1]!.object as { spec: { names: { kind: string } } }).spec.names.kind, "Bar");
    assert.deepEqual(
      parseManifests('{"apiVersion": "v1", "kind": "Nope", "items": [], "kind": "List"}', "in.json"),
      [],
    );
  });

  it("unquoted yes/no/on/off/y/n are booleans (as values and as keys), 0644 is octal", () => {
    // js-yaml's YAML 1.2 read `served: yes` as the string "yes" (the version was then not served),
    // the key `y` as "y" and `0644` as 644: kubectl sends true, "true" and 420.
    const text = crd(
      "points.g.example.com",
      `{ group: g.example.com, scope: Namespaced, names: { plural: points, kind: Point }, versions: [
      { name: v1, served: yes, storage: on, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object,
        x-kubernetes-preserve-unknown-fields: yes, properties: { x: { type: number }, y: { type: number },
        mode: { type: integer, default: 0644 } } } } } } }] }`,
    );
    const files = crdFiles(parseManifests(text, "in.yaml")).files;
    const spec = decl(files.get("types/g.example.com/v1.ts")!, "PointSpec");
    assert.match(spec, /\n {2}\[key: string\]: unknown;\n/);
    assert.match(spec, /\n {2}true\?: number;\n/);
    assert.match(spec, /\n {2}x\?: number;\n/);
    assert.match(spec, /Default: `420`/);
  });

  it("a JSON file that cannot be parsed is said to be invalid JSON, not YAML", () => {
    for (const file of ["in.json", "-"]) {
      assert.throws(
        () =>
          parseManifests(
            '{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"\n',
            file,
          ),
        (e) =>
          e instanceof CrdError &&
          ((e.message.startsWith(`${file} is not valid JSON: `) && !/YAML/.test(e.message)) ||
            assert.fail(e.message)),
      );
    }
  });

  it("served, storage and deprecated that are not booleans: an error naming the CRD, the version and the field (they counted as false)", () => {
    for (const [field, flags, shown] of [
      ["served", 'served: "true", storage: true', '"true" (a string)'],
      ["storage", "served: true, storage: 1", "1 (a number)"],
      ["deprecated", "served: true, storage: true, deprecated: [true]", "[true] (a list)"],
    ] as const) {
      const v1 = `[{ name: v1, ${flags}, schema: { openAPIV3Schema: { type: object } } }]`;
      const text = crd("things.g.example.com", thing("{ plural: things, kind: Thing }", "g.example.com", v1));
      assert.throws(
        () => crdFiles(parseManifests(text, "in.yaml")),
        (e) =>
          e instanceof CrdError &&
          (e.message ===
            `in.yaml, CRD things.g.example.com, version v1: spec.versions[].${field} is ${shown}, not a boolean; the API server refuses the CRD (cannot unmarshal it into a bool): write ${field}: true or ${field}: false` ||
            assert.fail(e.message)),
      );
    }
  });

  it("a spec.versions entry that is not an object is an error, not left out", () => {
    const text = crd(
      "things.g.example.com",
      "{ group: g.example.com, scope: Namespaced, names: { plural: things, kind: Thing }, versions: [v2, { name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }] }",
    );
    assert.throws(
      () => crdFiles(parseManifests(text, "in.yaml")),
      /^CrdError: in\.yaml, CRD things\.g\.example\.com: spec\.versions\[0\] is "v2", not a version \(an object with name, served, storage and schema\)$/,
    );
  });
});
