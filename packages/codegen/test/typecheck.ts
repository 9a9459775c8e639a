// Test support: type-check generated api-types and clientset together with the real clientset runtime.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { type Files, writeFilesAtomically } from "../src/index.js";
import { findRepoRoot } from "../src/load/read.js";

export const repo = findRepoRoot(import.meta.dirname)!;

/** A scratch directory inside the repository, so the runtime's imports (@org/rest) resolve. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  mkdirSync(join(repo, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(join(repo, "node_modules", ".cache", prefix));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes `types` to <root>/api-types/generated and `clientset` to <root>/clientset/generated next to
 * links to the clientset's handwritten directories (runtime, expansions ...), compiles them (plus
 * `extra` files) and returns the diagnostics of files under `root` as text ("" when none).
 */
export function typecheckGenerated(
  root: string,
  types: Files,
  clientset: Files,
  extra: string[] = [],
): string {
  writeFilesAtomically(join(root, "api-types", "generated"), types);
  mkdirSync(join(root, "clientset"), { recursive: true });
  writeFilesAtomically(join(root, "clientset", "generated"), clientset);
  // Every handwritten directory of the clientset next to the output (runtime, expansions and what they import).
  const src = join(repo, "packages", "clientset", "src");
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== "generated")
      symlinkSync(join(src, e.name), join(root, "clientset", e.name), "dir");
  }
  const rootNames = [
    ...[...types.keys()].map((f) => join(root, "api-types", "generated", f)),
    ...[...clientset.keys()].map((f) => join(root, "clientset", "generated", f)),
    ...extra,
  ];
  const program = ts.createProgram({
    rootNames,
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
      typeRoots: [join(repo, "node_modules", "@types")],
      baseUrl: root,
      paths: { "@org/api-types/*": ["./api-types/generated/*.ts"] },
    },
  });
  return diagnosticsUnder(program, root);
}

/** The first 20 pre-emit diagnostics of `program` in files under `root` (or in no file), as text. */
export function diagnosticsUnder(program: ts.Program, root: string): string {
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName.startsWith(root) ?? true);
  return ts.formatDiagnostics(diagnostics.slice(0, 20), {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}
