// The testenv CLI: up (detached, idempotent) / status / env / down, and Ctrl-C during up.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { processesMentioning, run, waitFor } from "./helpers.js";

const cliPath = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "org-testenv-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", cliPath, ...args]);

test("up starts a detached control plane once, status/env describe it, down stops it, down again is a no-op", async () => {
  const dir = join(tmp, "state");
  const up = await cli("up", "--dir", dir);
  assert.equal(up.code, 0, up.stderr);
  const kubeconfig = join(dir, "kubeconfig");
  assert.match(up.stdout, new RegExp(`^export KUBECONFIG=${kubeconfig}$`, "m"));
  const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as {
    state: { apiServerURL: string; runDir: string; processes: { pid: number }[] };
  };
  const runDir = state.state.runDir;
  try {
    // `up` has returned; the control plane keeps running and answers as each user.
    const ns = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "ns", "default", "-o", "name"]);
    assert.equal(ns.stdout.trim(), "namespace/default", ns.stderr);
    for (const ctx of ["testenv-alice", "testenv-bob"]) {
      const r = await run("kubectl", ["--kubeconfig", kubeconfig, "--context", ctx, "get", "pods", "-A"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Forbidden|forbidden/);
    }

    const again = await cli("up", "--dir", dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /reusing the control plane v1\.36\.3 at https:\/\/127\.0\.0\.1:\d+/);
    assert.equal(again.stdout, up.stdout);
    const state2 = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as typeof state;
    assert.equal(state2.state.apiServerURL, state.state.apiServerURL);

    const status = await cli("status", "--dir", dir);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /^running\n/);
    assert.ok(status.stdout.includes(state.state.apiServerURL));

    const env = await cli("env", "--dir", dir);
    assert.equal(env.code, 0);
    assert.match(env.stdout, /^export KUBECONFIG=.*\nexport ORG_TESTENV_STATE=.*state\.json\n$/);
  } finally {
    const down = await cli("down", "--dir", dir);
    assert.equal(down.code, 0, down.stderr);
  }
  assert.deepEqual(processesMentioning(runDir), []);
  assert.equal(existsSync(runDir), false);
  assert.equal(existsSync(kubeconfig), false);

  const downAgain = await cli("down", "--dir", dir);
  assert.equal(downAgain.code, 0);
  assert.match(downAgain.stderr, /nothing is running/);
  const status = await cli("status", "--dir", dir);
  assert.equal(status.code, 1);
  assert.equal(status.stdout, "not running\n");
  const env = await cli("env", "--dir", dir);
  assert.equal(env.code, 1);
});

test("Ctrl-C during up leaves no process behind", async () => {
  const dir = join(tmp, "interrupted");
  const child = spawn(process.execPath, ["--import", "tsx", cliPath, "up", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // Interrupt once etcd runs and kube-apiserver has been started (it is not ready yet).
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (/started kube-apiserver \(pid \d+\)/.test(stderr)) resolve();
    });
    child.on("exit", () => reject(new Error(`up exited before starting kube-apiserver:\n${stderr}`)));
  });
  child.kill("SIGINT");
  assert.equal(await exited, 130);
  const runDir = /starting Kubernetes v[\d.]+ control plane in (\S+)/.exec(stderr)?.[1];
  assert.ok(runDir, stderr);
  const pids = [...stderr.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  assert.ok(pids.length >= 2, stderr);
  // SIGKILLed processes may take a moment to disappear; none may remain.
  await waitFor(
    "the components to be gone",
    async () => processesMentioning(runDir).length === 0,
    5000,
  ).catch(() => {
    const left = processesMentioning(runDir).map(
      (p) => `${p}: ${readFileSync(`/proc/${p}/cmdline`, "utf8").slice(0, 120)}`,
    );
    assert.deepEqual(left, []);
  });
  assert.equal(existsSync(runDir), false);
  assert.equal(existsSync(join(dir, "state.json")), false);
  assert.equal(existsSync(join(dir, "up.lock")), false);
});
