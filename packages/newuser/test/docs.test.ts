// What the documentation promises, checked against the types: every ```ts snippet of every README and
// of docs/MIGRATING.md type-checks (strict, against the packages' built .d.ts), and every method the
// clientset README's verb table names exists on a generated resource interface.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { after, describe, it } from "node:test";
import ts from "typescript";

const repo = resolve(import.meta.dirname, "..", "..", "..");

/** The markdown files whose snippets are checked (every README, the migration guide, FAKE.md). */
function documents(): string[] {
  const packages = readdirSync(join(repo, "packages"))
    .map((p) => join(repo, "packages", p, "README.md"))
    .filter((f) => existsSync(f));
  return [
    join(repo, "README.md"),
    join(repo, "docs", "MIGRATING.md"),
    join(repo, "packages", "clientset", "FAKE.md"),
    ...packages,
  ];
}

export interface Snippet {
  doc: string;
  /** 1-based line of the snippet's first code line in the document. */
  line: number;
  code: string;
  /**
   * What the text around an excerpt provides (imports, declarations), from an HTML comment
   * `<!-- ts-context:` … `-->` (its own lines) right before the fence: invisible to a reader.
   */
  context?: string;
}

/** The ```ts blocks of a markdown text. */
export function snippets(doc: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const re = /^(?:<!-- ts-context:\n([\s\S]*?)-->\n)?```ts\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const fence = m.index + m[0].indexOf("```ts");
    const line = text.slice(0, fence).split("\n").length + 1;
    out.push({ doc, line, code: m[2]!, ...(m[1] === undefined ? {} : { context: m[1].trimEnd() }) });
  }
  return out;
}

/**
 * One document's snippets as one module, read in order as a reader reads them: their imports and
 * `declare`s first,
 * then each snippet in a block nested in the previous one's, so a snippet sees what the snippets
 * before it declared and may declare the same names again (an excerpt's `export` is dropped). `origin[i]` is "doc:line" of line i.
 */
export function program(list: Snippet[]): { text: string; origin: (string | undefined)[] } {
  const lines: string[] = [];
  const origin: (string | undefined)[] = [];
  const body: [string, string][] = [];
  const imports: [string, string][] = [];
  const declarations: [string, string][] = [];
  for (const s of list) {
    const code = [...(s.context ? s.context.split("\n") : []), ...s.code.split("\n")];
    let inImport = false;
    code.forEach((l, i) => {
      const where = `${s.doc}:${s.line + i}`;
      if (/^declare\s/.test(l)) {
        if (!declarations.some(([d]) => d === l)) declarations.push([l, where]);
      } else if (/^import\s/.test(l) || inImport) {
        inImport = !/;\s*$/.test(l) && !/from\s+"[^"]+"/.test(l);
        imports.push([l, where]);
      } else body.push([l.replace(/^export (?=const|let|interface|type|function|class|async)/, ""), where]);
    });
    body.push(["{", `${s.doc}:${s.line}`]);
  }
  // Named imports merged per module (two snippets importing from one module is the common case).
  const named = new Map<string, Map<string, string>>();
  const text = imports.map(([l]) => l).join("\n");
  const rest = text.replace(
    /^import (type )?\{([^}]*)} from "([^"]+)";?\s*(?:\/\/.*)?$/gm,
    (_, type, names, from) => {
      const m = named.get(from) ?? new Map<string, string>();
      named.set(from, m);
      for (const n of (names as string)
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)) {
        const local = n.replace(/^type\s+/, "");
        if (!type && !n.startsWith("type ")) m.set(local, local);
        else if (!m.has(local)) m.set(local, `type ${local}`);
      }
      return "";
    },
  );
  for (const [from, m] of named) {
    lines.push(`import { ${[...m.values()].join(", ")} } from "${from}";`);
    origin.push(imports.find(([l]) => l.includes(`"${from}"`))?.[1]);
  }
  for (const l of new Set(rest.split("\n").filter((x) => x.trim()))) {
    lines.push(l);
    origin.push(imports.find(([i]) => i === l)?.[1]);
  }
  for (const [l, where] of [...declarations, ...body]) {
    lines.push(l);
    origin.push(where);
  }
  lines.push("}".repeat(list.length), "export {};");
  return { text: lines.join("\n"), origin };
}

// Names the snippets use without declaring them, as a reader would have them from the text around
// a snippet. A script (not a module): snippets are modules, so their own declarations shadow these.
const PRELUDE = `
declare const clientset: import("@org/clientset").Clientset;
declare const config: import("@org/rest").RestConfig;
declare const client: import("@org/rest").RESTClient;
declare const kc: string;
declare const kubeconfigPath: string;
declare const ns: string;
declare const signal: AbortSignal;
`;

const scratchRoot = join(repo, "node_modules", ".cache");
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, "newuser-docs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Type-checks files (name → text) in the scratch directory; returns the diagnostics as text lines. */
function typecheck(files: Map<string, string>, where: (file: string, line: number) => string): string[] {
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(scratch, "prelude.d.ts"), PRELUDE);
  for (const [name, text] of files) writeFileSync(join(scratch, name), text);
  const program = ts.createProgram({
    rootNames: [join(scratch, "prelude.d.ts"), ...[...files.keys()].map((f) => join(scratch, f))],
    options: {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
      typeRoots: [join(repo, "node_modules", "@types")],
    },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${where(relative(scratch, d.file.fileName), line)}: TS${d.code} ${text}`;
  });
}

/** Exported declarations and interface members of a source file that have no /** doc comment. */
export function undocumented(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
  const out: string[] = [];
  const name = (node: ts.Node) => (node as { name?: ts.Node }).name?.getText(source) ?? "?";
  for (const stmt of source.statements) {
    const exported =
      ts.canHaveModifiers(stmt) && ts.getModifiers(stmt)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const decl = ts.isVariableStatement(stmt) ? stmt.declarationList.declarations[0]! : stmt;
    if (!documented(stmt)) out.push(name(decl));
    if (ts.isInterfaceDeclaration(stmt)) {
      for (const m of stmt.members) if (!documented(m)) out.push(`${name(stmt)}.${name(m)}`);
    }
  }
  return out;
}

describe("documentation", () => {
  it("every option field, verb and subresource method has a doc comment (they are the API reference)", () => {
    for (const f of ["packages/rest/src/options.ts", "packages/clientset/src/runtime/methods.ts"]) {
      assert.deepEqual(undocumented(join(repo, f)), [], f);
    }
  });

  it("every ts snippet in the READMEs and docs/MIGRATING.md type-checks", () => {
    const files = new Map<string, string>();
    const origins = new Map<string, (string | undefined)[]>();
    let count = 0;
    for (const doc of documents()) {
      const name = relative(repo, doc);
      const list = snippets(name, readFileSync(doc, "utf8"));
      count += list.length;
      if (list.length === 0) continue;
      const { text, origin } = program(list);
      const file = `${name.replace(/[/.]/g, "_")}.ts`;
      files.set(file, text);
      origins.set(file, origin);
    }
    assert.ok(count >= 20, `${count} snippets`);
    assert.ok(files.has("docs_MIGRATING_md.ts"), "docs/MIGRATING.md has snippets");
    const errors = typecheck(files, (file, line) => origins.get(file)?.[line] ?? `${file}:${line + 1}`);
    assert.deepEqual(errors, []);
  });

  it("npm run docs writes HTML API docs (TypeDoc) with the doc comments and the migration guide", () => {
    const out = join(scratch, "api");
    const r = spawnSync(
      process.execPath,
      [join(repo, "node_modules", "typedoc", "bin", "typedoc"), "--out", out],
      {
        cwd: repo,
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const page = (p: string) => readFileSync(join(out, p), "utf8");
    assert.match(page("index.html"), /Typed Kubernetes clients for TypeScript/);
    assert.match(page("interfaces/_org_rest.ListOptions.html"), /Only objects whose labels match/);
    assert.match(page("interfaces/_org_clientset.ResourceMethods.html"), /Server-side apply/);
    assert.match(page("documents/MIGRATING.html"), /loadFromDefault/);
    for (const m of ["rest", "clientset", "api-types", "informers", "controller", "testenv", "codegen"]) {
      assert.ok(existsSync(join(out, "modules", `_org_${m}.html`)), `a page for @org/${m}`);
    }
  });

  it("every verb in the clientset README's table is a method of the generated resource interfaces", () => {
    const readme = readFileSync(join(repo, "packages", "clientset", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| verb "), readme.indexOf("\n\n", readme.indexOf("| verb ")));
    const firstColumn = table.split("\n").map((row) => row.split("|")[1] ?? "");
    const verbs = firstColumn.flatMap((cell) => [...cell.matchAll(/`(\w+)\(/g)].map((m) => m[1]!));
    assert.ok(verbs.includes("listPages") && verbs.length >= 12, verbs.join(" "));
    const check = [
      'import type { PodInterface } from "@org/clientset";',
      ...verbs.map((v) => `export type M_${v} = PodInterface["${v}"];`),
    ].join("\n");
    assert.deepEqual(
      typecheck(new Map([["verbs.ts", check]]), (file, line) => `${file}:${line + 1}`),
      [],
    );
  });
});
