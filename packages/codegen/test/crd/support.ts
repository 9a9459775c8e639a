// Test support for CRD generation: generate into a scratch package inside the repository (so
// @org/clientset, @org/api-types and @org/informers resolve to the workspace's sources) and
// type-check it under strict.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { runCli } from "../../src/run.js";
import { diagnosticsUnder } from "../typecheck.js";

/** Runs the CLI in-process in `cwd`: its exit code and what it wrote to stderr (stdout is dropped). */
export async function cli(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await runCli(args, {
    stdout: () => {},
    stderr: (t) => {
      stderr += t;
    },
    isTTY: false,
    env: {},
    cwd,
  });
  return { code, stderr };
}

/** Every file under `dir`, by path relative to it, with its text. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

/** Type-checks `files` (absolute paths) under strict; returns the diagnostics of files under `root`. */
export function typecheck(root: string, files: string[]): string {
  const program = ts.createProgram({
    rootNames: files,
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ["source"],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
    },
  });
  return diagnosticsUnder(program, root);
}
