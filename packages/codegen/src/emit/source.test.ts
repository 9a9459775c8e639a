import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { crdFiles } from "../crd/generate.js";
import { readCrdFiles } from "../crd/read.js";
import { fromV2, fromV3 } from "../load/normalize.js";
import { buildModel } from "../model/model.js";
import { emitClientset } from "./clientset.js";
import { emitInformers } from "./informers.js";
import { emitSchemaTable } from "./schema.js";
import { printFile, wrapDocComments } from "./source.js";
import { emitTypes } from "./types.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures");
const read = (p: string) => JSON.parse(readFileSync(join(fixtures, p), "utf8"));

/** `text` after TypeScript's formatter (2-space indentation, its default spacing rules). */
function formatted(text: string): string {
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => ["f.ts"],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => (name === "f.ts" ? ts.ScriptSnapshot.fromString(text) : undefined),
    getCurrentDirectory: () => "/",
    getCompilationSettings: () => ({ noLib: true, noResolve: true }),
    getDefaultLibFileName: () => "lib.d.ts",
    fileExists: (name) => name === "f.ts",
    readFile: (name) => (name === "f.ts" ? text : undefined),
  };
  const service = ts.createLanguageService(host);
  const edits = service.getFormattingEditsForDocument("f.ts", {
    ...ts.getDefaultFormatCodeSettings("\n"),
    indentSize: 2,
    tabSize: 2,
    convertTabsToSpaces: true,
    indentStyle: ts.IndentStyle.Smart,
    insertSpaceAfterOpeningAndBeforeClosingNonemptyBraces: true,
  });
  service.dispose();
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start))
    out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.start + e.span.length);
  return out;
}

describe("printFile", () => {
  it("prints interfaces, type aliases and constants with their docs, one blank line around interfaces", () => {
    const text = printFile([
      "// header",
      'import type { A } from "./a.js";',
      {
        kind: "interface",
        name: "I",
        doc: "One line.",
        extends: "A",
        indexSignatures: [{ keyName: "key", keyType: "string", returnType: "unknown" }],
        properties: [
          { name: "a", type: "string", hasQuestionToken: true, doc: "First.\n\nSecond paragraph." },
          { name: "b", type: "{\n  c: number;\n}" },
        ],
        methods: [{ name: "get", parameters: [{ name: "n", type: "string" }], returnType: "A", doc: "Get." }],
      },
      { kind: "type", name: "T", typeParameters: ["U", { name: "V", constraint: "object" }], type: "U | V" },
      { kind: "const", name: "c", type: "A", initializer: "{\n  a: 1,\n}", doc: "A constant." },
      { kind: "const", name: "d", initializer: "[] as const" },
      { kind: "interface", name: "E", extends: "\n  A,\n  B" },
      "",
      { kind: "type", name: "L", type: "\n  string" },
    ]);
    assert.equal(
      text,
      "// header\n" +
        'import type { A } from "./a.js";\n' +
        "\n" +
        "/** One line. */\n" +
        "export interface I extends A {\n" +
        "  [key: string]: unknown;\n" +
        "  /**\n   * First.\n   *\n   * Second paragraph.\n   */\n" +
        "  a?: string;\n" +
        "  b: {\n    c: number;\n  };\n" +
        "  /** Get. */\n" +
        "  get(n: string): A;\n" +
        "}\n" +
        "\n" +
        "export type T<U, V extends object> = U | V;\n" +
        "/** A constant. */\n" +
        "export const c: A = {\n  a: 1,\n};\n" +
        "export const d = [] as const;\n" +
        "\n" +
        "export interface E extends\n  A,\n  B {\n}\n" +
        "\n" +
        "export type L =\n  string;\n",
    );
    assert.equal(formatted(text), text);
  });

  it("gives every emitter's output as TypeScript's formatter leaves it", () => {
    const mini = buildModel(fromV2(read("mini.swagger.json"), "mini.swagger.json"));
    const v3 = buildModel(fromV3([read("v3/apis/stable.example.com/v1.json")], "v3/"));
    const crd = crdFiles(readCrdFiles(["features.yaml", "crontab.yaml"], join(fixtures, "crd"))).files;
    const all = new Map([
      ...emitTypes(mini),
      ...[...emitTypes(v3)].map(([p, t]) => [`v3/${p}`, t] as const),
      ...[...emitClientset(mini, { hasExpansion: (key) => key === "core/v1/pod" })].map(
        ([p, t]) => [`clientset/${p}`, t] as const,
      ),
      ["clientset/schema.ts", emitSchemaTable(mini)],
      [
        "listers.ts",
        emitInformers(mini, { informersModule: "../index.js", typesModule: (m) => `@org/api-types/${m}` }),
      ],
      ...[...crd].filter(([p]) => p.endsWith(".ts")).map(([p, t]) => [`crd/${p}`, t] as const),
    ]);
    assert.ok(all.size > 20, `${all.size} files`);
    // Doc comments are wrapped after formatting, as the formatter leaves long lines long.
    for (const [path, text] of all) assert.equal(wrapDocComments(formatted(text)), text, path);
  });
});
