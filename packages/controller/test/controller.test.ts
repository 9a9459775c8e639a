// The Controller runner with leader election, in the test process, against the real API server.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Lease } from "@org/api-types/coordination/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { Controller, discardLogger, LeadershipLostError, LeaseLock, microTime } from "../src/index.js";

test("losing the lease aborts the in-flight reconcile's signal and run() rejects with LeadershipLostError", async (t) => {
  const ns = await createTestNamespace("ctl-le");
  t.after(ns.cleanup);
  const cs = Clientset.forConfig(await buildConfigFromFlags("", (await getControlPlane()).kubeconfigPath));
  let reconcileSignal: AbortSignal | undefined;
  let reconciles = 0;
  const ctl = new Controller({
    name: "le-runner",
    handleSignals: false,
    logger: discardLogger,
    leaderElection: {
      lock: new LeaseLock({
        namespace: ns.name,
        name: "runner",
        client: cs.coordinationV1(),
        identity: "me",
      }),
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
    },
    reconcile: async (_key, signal) => {
      reconciles++;
      reconcileSignal = signal;
      // A long reconcile that ends only when its signal aborts.
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    },
  });
  assert.equal(ctl.isLeader(), false, "not leading before run()");
  ctl.enqueue("ns/a");
  ctl.enqueue("ns/b");
  const stop = new AbortController();
  t.after(() => stop.abort());
  const running = ctl.run(stop.signal);
  while (!reconcileSignal) await new Promise((r) => setTimeout(r, 20));
  assert.equal(ctl.isLeader(), true);
  // Someone else takes the lease: the next renew conflicts and the controller steps down.
  const leases = cs.coordinationV1().leases(ns.name);
  const cur = (await leases.get("runner")) as Lease;
  const now = microTime(new Date());
  await leases.update({
    ...cur,
    spec: { ...cur.spec, holderIdentity: "other", renewTime: now, acquireTime: now },
  });
  await assert.rejects(running, LeadershipLostError);
  assert.equal(reconcileSignal.aborted, true, "the in-flight reconcile was told to stop");
  assert.equal(ctl.isLeader(), false);
  assert.equal(reconciles, 1, "the one worker took no second key after losing the lease");
  assert.equal((await leases.get("runner")).spec?.holderIdentity, "other");
});
