// Fault: the API server stalls for 60 s (SIGSTOP: connections stay open, nothing answers) while
// writers keep trying. The informer must notice within its idle timeout, say so through its health and
// watch error handler, and recover by itself once the server runs again. Own control plane.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Clientset } from "@org/clientset";
import { IdleWatchError } from "@org/informers";
import { type ControlPlane, pauseAPIServer, resumeAPIServer, startControlPlane } from "@org/testenv";
import { adminConfig, formatReport, namespaceOn, runFault } from "./support.js";

let cp: ControlPlane;
const ac = new AbortController();
before(async () => {
  cp = await startControlPlane({ controllers: [] });
});
after(async () => {
  ac.abort();
  if (cp) {
    resumeAPIServer(cp);
    await cp.stop();
  }
});

const stallMs = 60_000;

test("60 s API server stall: detected within the idle timeout, reported through health, recovered with no event lost", async (t) => {
  const cs = Clientset.forConfig(adminConfig(cp));
  const ns = await namespaceOn(cs, "stall");
  let detectedMs = -1;
  let stateDuringStall = "";
  let idleTimeoutMs = 0;
  const run = await runFault({
    fault: "60 s stall (SIGSTOP)",
    writerClient: cs.coreV1().configMaps(ns),
    informerClient: Clientset.forConfig(adminConfig(cp)).coreV1().configMaps(ns),
    // Server-side watch timeouts of 20-40 s: the derived idle timeout is 35-55 s, below the stall.
    informerOptions: { minWatchTimeoutSeconds: 20 },
    signal: ac.signal,
    inject: async ({ informer, errors }) => {
      const pausedAt = Date.now();
      const lastEvent = informer.health().lastEventTime;
      pauseAPIServer(cp);
      const until = pausedAt + stallMs;
      while (Date.now() < until) {
        const idle = errors.find((e) => e.err instanceof IdleWatchError && e.at >= pausedAt);
        if (idle && detectedMs < 0) {
          detectedMs = idle.at - pausedAt;
          const h = informer.health();
          assert.ok(h.lastError instanceof IdleWatchError, "health reports the stall");
          stateDuringStall = h.state;
          idleTimeoutMs = (idle.err as IdleWatchError).idleMs;
          assert.ok(idle.at - lastEvent >= idleTimeoutMs - 50, "not before the idle timeout");
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      resumeAPIServer(cp);
    },
  });
  t.diagnostic(formatReport(run.report));
  t.diagnostic(
    `stall detected ${detectedMs} ms after SIGSTOP (idle timeout ${idleTimeoutMs} ms, state then: ${stateDuringStall}); ` +
      `stats ${JSON.stringify(run.informer.health().stats)}`,
  );
  assert.ok(
    detectedMs >= 0 && detectedMs < stallMs,
    `the stall was not detected while it lasted (${detectedMs})`,
  );
  assert.equal(run.report.lost, 0);
  assert.equal(run.report.duplicates, 0);
  assert.equal(run.report.skipped, 0, "a stall needs no relist: the watch resumes from its resourceVersion");
  assert.equal(run.informer.health().state, "watching");
  assert.equal(run.informer.health().consecutiveErrors, 0, "healthy again");
});
