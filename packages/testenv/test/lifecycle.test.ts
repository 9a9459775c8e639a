// Starting and stopping control planes of their own: taken ports, stop(), a failing component.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ComponentError, startControlPlane } from "../src/index.js";
import { isAlive, tailFile } from "../src/proc.js";
import { processesMentioning } from "./helpers.js";

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === "object" && addr ? addr.port : 0 });
    });
  });
}

test("a taken port is replaced by a free one, and stop() leaves no process and no run dir", async () => {
  const taken = await listen();
  try {
    const cp = await startControlPlane({ ports: { apiServer: taken.port } });
    try {
      assert.notEqual(new URL(cp.apiServerURL).port, String(taken.port));
      assert.deepEqual(cp.processes.map((p) => p.name).sort(), [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "node-agent",
      ]);
      for (const p of cp.processes)
        assert.ok(isAlive(p.pid), `${p.name} runs; its log ends:\n${tailFile(p.logPath)}`);
      assert.ok(existsSync(join(cp.runDir, "kube-apiserver.log")), "logs are kept in the run dir");
    } finally {
      await cp.stop();
    }
    for (const p of cp.processes) assert.equal(isAlive(p.pid), false, `${p.name} is gone`);
    assert.deepEqual(processesMentioning(cp.runDir), []);
    assert.equal(existsSync(cp.runDir), false);
    await cp.stop(); // idempotent
  } finally {
    taken.server.close();
  }
});

test("a component that exits during start fails the start with the tail of its log and leaves nothing", async () => {
  const runDir = mkdtempSync(join(tmpdir(), "org-testenv-failing-"));
  await assert.rejects(startControlPlane({ runDir, apiServerFlags: ["--no-such-flag=1"] }), (e: unknown) => {
    assert.ok(e instanceof ComponentError);
    assert.equal(e.component, "kube-apiserver");
    assert.match(e.message, /kube-apiserver exited \(code 1\) before \/readyz answered ok/);
    assert.match(e.message, /unknown flag: --no-such-flag/);
    return true;
  });
  assert.deepEqual(processesMentioning(runDir), []);
  assert.equal(existsSync(runDir), false);
});

test("a component that is not ready in time fails the start with the tail of its log and leaves nothing", async () => {
  const runDir = mkdtempSync(join(tmpdir(), "org-testenv-slow-"));
  await assert.rejects(startControlPlane({ runDir, startTimeoutMs: 1 }), (e: unknown) => {
    assert.ok(e instanceof ComponentError);
    // etcd can answer /health within the first poll; then kube-apiserver is the one that is late
    assert.ok(["etcd", "kube-apiserver"].includes(e.component), e.component);
    assert.match(
      e.message,
      new RegExp(`^${e.component} was not ready within 0\\.001 s \\((/health|/readyz) answered`),
    );
    assert.match(e.message, new RegExp(`--- last lines of the ${e.component} log ---`));
    return true;
  });
  assert.deepEqual(processesMentioning(runDir), []);
  assert.equal(existsSync(runDir), false);
});

test("kwok is refused with a pointer to registerNode/makePodRunning", async () => {
  await assert.rejects(startControlPlane({ kwok: true }), /registerNode\(\) and makePodRunning\(\)/);
});
