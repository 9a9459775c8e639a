#!/usr/bin/env node
// Runs every package's tests in one `node --test` run and ends with one summary line.
// Unit tests:        packages/*/src/**/*.test.ts  (no I/O outside the process and local test servers)
// Integration tests: packages/*/test/**/*.test.ts (share one real control plane from @org/testenv)
// Then, for a run without path filters, the unit tests again on Node 22 and 24 (scripts/node-versions.mjs
// installs them on first use into ~/.cache/org-node/<version>).
// Usage: node scripts/test.mjs [--unit | --integration] [path filter...]
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureNode, TESTED_NODE_VERSIONS } from "./node-versions.mjs";

const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const only = args.includes("--unit") ? "unit" : args.includes("--integration") ? "integration" : "all";
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === "node_modules" || e === "dist" || e === "generated") continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const unit = [];
const integration = [];
for (const pkg of readdirSync(join(root, "packages"))) {
  if (only !== "integration") unit.push(...walk(join(root, "packages", pkg, "src")));
  if (only !== "unit") integration.push(...walk(join(root, "packages", pkg, "test")));
}
const keep = (f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x));
const files = [...unit, ...integration].filter(keep).sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

let teardown = async () => {};
if (files.some((f) => integration.includes(f))) {
  // One control plane for the whole run; tests find it through ORG_TESTENV_STATE. Loaded from the
  // TypeScript sources (like the tests), so no build of @org/testenv is needed first.
  const { tsImport } = await import("tsx/esm/api");
  const { globalSetup } = await tsImport("../packages/testenv/src/harness.ts", import.meta.url);
  teardown = await globalSetup();
}

const concurrency = process.env.TEST_CONCURRENCY ?? "4";
let current;
let interrupted = false;
const stop = () => {
  interrupted = true;
  current?.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/** One `node --test` run of `list` with the Node binary `node`; resolves to its exit code and counts. */
async function run(node, list) {
  const child = spawn(
    node,
    [
      "--conditions=source",
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${concurrency}`,
      "--test-reporter=spec",
      ...list,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env },
  );
  current = child;
  // The reporter's closing "ℹ pass N" lines (a long failure listing may follow them).
  const counts = { pass: 0, fail: 0, skipped: 0 };
  let partial = "";
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^ℹ (pass|fail|skipped) (\d+)$/.exec(line);
      if (m) counts[m[1]] = Number(m[2]);
    }
  });
  const code = await new Promise((resolve) => child.on("close", (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  return { code, counts };
}

const runs = [{ label: `node ${process.version}`, ...(await run(process.execPath, files)) }];
await teardown();
// The unit suite again on the Node versions users run (a full or --unit run without path filters;
// ORG_TEST_NODE_VERSIONS="" skips this, or lists other versions).
const extra = process.env.ORG_TEST_NODE_VERSIONS?.split(",").filter(Boolean) ?? TESTED_NODE_VERSIONS;
const unitFiles = files.filter((f) => unit.includes(f));
if (!interrupted && filters.length === 0 && unitFiles.length > 0) {
  for (const version of extra) {
    if (interrupted) break;
    if (`v${version}` === process.version) continue;
    let node;
    try {
      node = ensureNode(version);
    } catch (err) {
      console.error(err.message);
      runs.push({ label: `node v${version}`, code: 1, counts: { pass: 0, fail: 1, skipped: 0 } });
      continue;
    }
    console.log(`\n# unit tests on Node v${version}`);
    runs.push({ label: `node v${version} (unit)`, ...(await run(node, unitFiles)) });
  }
}
const total = { pass: 0, fail: 0, skipped: 0 };
for (const r of runs) {
  for (const k of Object.keys(total)) total[k] += r.counts[k];
  if (runs.length > 1) {
    console.log(`${r.label}: ${r.counts.pass} passed, ${r.counts.fail} failed, ${r.counts.skipped} skipped`);
  }
}
console.log(`\ntests: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
const ok = !interrupted && runs.every((r) => r.code === 0 && r.counts.fail === 0 && r.counts.pass > 0);
process.exit(ok ? 0 : 1);
