#!/usr/bin/env node
// `npm run generate [-- --spec <file|dir|url> | --from-cluster [--kubeconfig <path>] | --k8s-version <x.y.z>]`
// Records the chosen input in .codegen-spec (git-ignored, part of turbo's hash for `generate`), so
// that a later `npm run build` / `npm test` builds from the same input instead of the default, then
// regenerates both packages (forced: a live cluster or a URL may have changed since the last run).
// With no arguments it goes back to the default (ORG_CODEGEN_SPEC, else the newest ../shared snapshot,
// else the spec of @org/testenv's pinned Kubernetes version from its own kube-apiserver).
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dirname, "..");
const saved = join(root, ".codegen-spec");
const cwd = process.env.INIT_CWD ?? process.cwd();
let values;
try {
  ({ values } = parseArgs({
    options: {
      spec: { type: "string" },
      "from-cluster": { type: "boolean" },
      kubeconfig: { type: "string" },
      "k8s-version": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (err) {
  console.error(
    `npm run generate: ${err.message}\nusage: npm run generate -- [--spec <file|dir|url> | --from-cluster [--kubeconfig <path>] | --k8s-version <x.y.z>]`,
  );
  process.exit(2);
}
if (values.help) {
  spawnSync(process.execPath, [join(root, "packages/codegen/dist/cli.js"), "--help"], { stdio: "inherit" });
  process.exit(0);
}
const chosen = ["spec", "from-cluster", "k8s-version"].filter((k) => values[k] !== undefined);
if (chosen.length > 1) {
  console.error(`npm run generate: use one of --${chosen.join(", --")}, not several`);
  process.exit(2);
}
if (values["k8s-version"] !== undefined) {
  writeFileSync(saved, `${JSON.stringify({ kind: "k8s-version", version: values["k8s-version"] })}\n`);
} else if (values.spec) {
  const spec = /^https?:\/\//i.test(values.spec)
    ? { kind: "url", url: values.spec }
    : { kind: "path", path: resolve(cwd, values.spec) };
  writeFileSync(saved, `${JSON.stringify(spec)}\n`);
} else if (values["from-cluster"]) {
  // turbo hides KUBECONFIG from tasks: record what kubectl would load (its whole list, made absolute).
  const list = process.env.KUBECONFIG?.split(delimiter)
    .map((f) => f && resolve(cwd, f))
    .join(delimiter);
  const choice = values.kubeconfig
    ? { kubeconfig: resolve(cwd, values.kubeconfig) }
    : list
      ? { kubeconfigList: list }
      : { kubeconfig: join(homedir(), ".kube", "config") };
  writeFileSync(saved, `${JSON.stringify({ kind: "cluster", ...choice })}\n`);
} else {
  rmSync(saved, { force: true });
}
const r = spawnSync("npx", ["turbo", "run", "generate", "--force", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
