// The harness in a user's own test suite (no global setup): the process starts its control plane, and
// nothing is left once the process ends.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { processesMentioning, run } from "./helpers.js";

test("getControlPlane without ORG_TESTENV_STATE starts one for the process and stops it at exit", async () => {
  const fixture = fileURLToPath(new URL("./fixtures/own-suite.ts", import.meta.url));
  const env = { ...process.env };
  delete env.ORG_TESTENV_STATE;
  delete env.NODE_TEST_CONTEXT; // else the nested runner reports to this one instead of stdout
  const r = await run(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "--test", "--test-reporter=tap", fixture],
    env,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /# pass 1/);
  const runDir = /RUNDIR=(\S+)/.exec(r.stdout)?.[1];
  assert.ok(runDir, r.stdout);
  assert.deepEqual(processesMentioning(runDir), []);
  assert.equal(existsSync(runDir), false);
});
