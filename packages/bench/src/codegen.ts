// P5: wall time of the generator CLI (`org-codegen`, from the built @org/codegen) for each spec
// snapshot, written into a scratch directory so the packages' own generated sources are untouched.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Row } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");
export const SPEC_DIR = process.env.ORG_BENCH_SPEC_DIR ?? join(repoRoot, "..", "shared", "openapi");

type MeasureFn = (
  base: Omit<Row, "median" | "samples" | "ratio">,
  fn: () => Promise<{ samples: number[]; n?: number }>,
) => Promise<Row>;

function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, maxBuffer: 1 << 26, env: { ...process.env, CI: "1" } },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** The CLI's output-directory flags, read from its --help (e.g. --out, --types-out and --clientset-out). */
export function outputFlags(help: string): string[] {
  const flags = new Set<string>();
  for (const m of help.matchAll(/--([a-z][a-z0-9-]*)/g)) {
    const f = m[1] ?? "";
    if (/(^|-)(out|output)(-|$)|(^|-)out(dir)?$|-dir$/.test(f) && !/spec|kubeconfig|cluster|help/.test(f))
      flags.add(f);
  }
  return [...flags].sort();
}

export async function runCodegen(ctx: {
  reps: number;
  measure: MeasureFn;
  log(s: string): void;
  tmp: string;
}): Promise<void> {
  const cli = join(repoRoot, "packages", "codegen", "dist", "cli.js");
  const specs = existsSync(SPEC_DIR)
    ? readdirSync(SPEC_DIR)
        .filter((f) => /^kubernetes-.*\.json$/.test(f))
        .sort()
    : [];
  let flags: string[] = [];
  let setupErr: string | undefined;
  if (!existsSync(cli)) setupErr = "packages/codegen/dist/cli.js not built";
  else {
    const help = await run([cli, "--help"], repoRoot);
    flags = outputFlags(help.out);
    if (flags.length === 0) setupErr = "org-codegen --help lists no output-directory option";
  }
  if (specs.length === 0) setupErr = `no spec snapshots in ${SPEC_DIR}`;
  for (const spec of specs.length ? specs : ["(none)"]) {
    const version = spec.replace(/^kubernetes-|\.swagger\.json$|\.json$/g, "");
    const c = `generate Kubernetes ${version}`;
    const base = await ctx.measure(
      { scenario: "P5", case: c, client: "baseline: read + JSON.parse of the spec", unit: "s" },
      async () => {
        const samples: number[] = [];
        for (let i = 0; i < ctx.reps; i++) {
          const t0 = performance.now();
          JSON.parse(readFileSync(join(SPEC_DIR, spec), "utf8"));
          samples.push((performance.now() - t0) / 1000);
        }
        return { samples };
      },
    );
    const row = await ctx.measure(
      { scenario: "P5", case: c, client: "ours", unit: "s", target: "≤10 s" },
      async () => {
        if (setupErr) throw new Error(setupErr);
        const samples: number[] = [];
        for (let i = 0; i < ctx.reps; i++) {
          const out = join(ctx.tmp, "codegen", version);
          rmSync(out, { recursive: true, force: true });
          const args = [
            cli,
            "--spec",
            join(SPEC_DIR, spec),
            ...flags.flatMap((f) => [`--${f}`, join(out, f)]),
          ];
          const t0 = performance.now();
          const r = await run(args, repoRoot);
          const dt = (performance.now() - t0) / 1000;
          if (r.code !== 0)
            throw new Error(`org-codegen ${spec} failed: ${r.out.trim().split("\n").slice(-2).join(" / ")}`);
          samples.push(dt);
        }
        return { samples };
      },
    );
    row.met = row.median !== null && row.median <= 10;
    if (base.median) {
      base.ratio = 1;
      if (row.median !== null) row.ratio = row.median / base.median;
    }
  }
}
