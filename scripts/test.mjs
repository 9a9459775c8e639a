#!/usr/bin/env node
// Runs every package's tests in one `node --test` run and ends with one summary line.
// Unit tests:        packages/*/src/**/*.test.ts  (no I/O outside the process and local test servers)
// Integration tests: packages/*/test/**/*.test.ts (share one real control plane from @org/testenv)
// Usage: node scripts/test.mjs [--unit | --integration] [path filter...]
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

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
const child = spawn(
  process.execPath,
  [
    "--conditions=source",
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    ...files,
  ],
  { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env },
);
const counts = { pass: 0, fail: 0, skipped: 0 };
let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
const stop = () => child.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const code = await new Promise((resolve) => child.on("close", (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await teardown();
for (const k of Object.keys(counts)) {
  const m = tail.match(new RegExp(`ℹ ${k} (\\d+)`));
  counts[k] = m ? Number(m[1]) : 0;
}
console.log(`\ntests: ${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped`);
process.exit(code === 0 && counts.fail === 0 && counts.pass > 0 ? 0 : 1);
