// P5: wall time of the generator CLI (`org-codegen types` + `org-codegen clientset`, from the built
// @org/codegen) for each spec snapshot, written into a scratch directory so the packages' own
// generated sources are untouched. Baseline: reading and parsing the spec, which any generator must do.
// There is no peer here: client-node's generator (openapi-generator) is a Java tool and client-go's
// (k8s.io/code-generator) generates from Go types, not from the spec.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MeasureFn } from "./footprint.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");
export const SPEC_DIR = process.env.ORG_BENCH_SPEC_DIR ?? join(repoRoot, "..", "shared", "openapi");

/** Runs `node <args>` in `cwd` (CI=1); resolves with the exit status (0 or 1) and stdout+stderr. */
export function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, maxBuffer: 1 << 26, env: { ...process.env, CI: "1" } },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
    );
  });
}

export async function runCodegen(ctx: {
  reps: number;
  measure: MeasureFn;
  log(s: string): void;
  tmp: string;
}): Promise<void> {
  const cli = join(repoRoot, "packages", "codegen", "dist", "cli.js");
  const expansions = join(repoRoot, "packages", "clientset", "src", "expansions");
  const specs = existsSync(SPEC_DIR)
    ? readdirSync(SPEC_DIR)
        .filter((f) => /^kubernetes-.*\.json$/.test(f))
        .sort()
    : [];
  let setupErr: string | undefined;
  if (!existsSync(cli)) setupErr = "packages/codegen/dist/cli.js not built";
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
      { scenario: "P5", case: c, client: "ours", unit: "s", target: "≤1.5 s per version" },
      async () => {
        if (setupErr) throw new Error(setupErr);
        const samples: number[] = [];
        for (let i = 0; i < ctx.reps; i++) {
          const out = join(ctx.tmp, "codegen", version);
          rmSync(out, { recursive: true, force: true });
          // both targets, as `npm run generate` does: api-types, then the generated clientset
          const t0 = performance.now();
          for (const target of ["types", "clientset"]) {
            const args = [cli, target, "--out", join(out, target), "--spec", join(SPEC_DIR, spec), "--quiet"];
            if (target === "clientset") args.push("--expansions", expansions);
            const r = await run(args, repoRoot);
            if (r.code !== 0) {
              throw new Error(
                `org-codegen ${target} ${spec} failed: ${r.out.trim().split("\n").slice(-2).join(" / ")}`,
              );
            }
          }
          samples.push((performance.now() - t0) / 1000);
        }
        return { samples };
      },
    );
    row.met = row.median !== null && row.median <= 1.5;
    if (base.median) {
      base.ratio = 1;
      if (row.median !== null) row.ratio = row.median / base.median;
    }
  }
}
