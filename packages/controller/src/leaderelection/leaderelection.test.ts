// The elector's own bookkeeping over an in-process lock whose record another writer controls (the
// Lease itself is covered against a real API server in test/leaderelection*.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { newFakeClientset } from "@org/clientset/fake";
import { StatusError } from "@org/rest";
import { discardLogger } from "../logger.js";
import { LeaderElector } from "./leaderelection.js";
import { type LeaderElectionRecord, LeaseLock, type ResourceLock } from "./leaselock.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock held by someone else: reads give `record`, every write of ours is a conflict. */
function lockHeldElsewhere(record: LeaderElectionRecord) {
  const writes: LeaderElectionRecord[] = [];
  const lock: ResourceLock & { record: LeaderElectionRecord } = {
    identity: "observer",
    record,
    describe: () => "ns/lease",
    get: async () => ({ ...lock.record }),
    create: async (r) => void writes.push(r),
    update: async (r) => {
      writes.push(r);
      throw new StatusError({ code: 409, reason: "Conflict", message: "conflict" }, "PUT", "/lease");
    },
  };
  return { lock, writes };
}

test("onNewLeader follows every change of holder: a release ('') and the same holder coming back", async () => {
  const { lock } = lockHeldElsewhere({
    holderIdentity: "a",
    leaseDurationSeconds: 60,
    acquireTime: "t",
    renewTime: "t0",
    leaderTransitions: 0,
  });
  const seen: string[] = [];
  const ac = new AbortController();
  const run = new LeaderElector({
    lock,
    leaseDurationMs: 4000,
    renewDeadlineMs: 3000,
    retryPeriodMs: 50,
    logger: discardLogger,
    callbacks: { onStartedLeading: () => {}, onNewLeader: (id) => void seen.push(id) },
  }).run(ac.signal);
  await sleep(150);
  lock.record = { ...lock.record, holderIdentity: "", leaseDurationSeconds: 1, renewTime: "t1" };
  await sleep(150);
  lock.record = { ...lock.record, holderIdentity: "a", leaseDurationSeconds: 60, renewTime: "t2" };
  await sleep(150);
  ac.abort();
  await run;
  assert.deepEqual(seen, ["a", "", "a"]);
});

test("the lease duration is written in whole seconds cut as client-go cuts them, at least 1", async () => {
  for (const [leaseDurationMs, want] of [
    [4500, 4],
    [1500, 1],
  ] as const) {
    const { lock, writes } = lockHeldElsewhere({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: "t",
      renewTime: "t0",
      leaderTransitions: 0,
    });
    const ac = new AbortController();
    const run = new LeaderElector({
      lock,
      leaseDurationMs,
      renewDeadlineMs: 1000,
      retryPeriodMs: 50,
      logger: discardLogger,
      callbacks: { onStartedLeading: () => {} },
    }).run(ac.signal);
    while (writes.length === 0) await sleep(10);
    ac.abort();
    await run;
    assert.equal(writes[0]!.leaseDurationSeconds, want, `leaseDurationMs ${leaseDurationMs}`);
  }
});

test("a long non-ASCII identity is cut to the 128 bytes a field manager may have, so the Lease is written", async () => {
  const cs = newFakeClientset({ apiVersion: "v1", kind: "Namespace", metadata: { name: "le" } });
  const identity = `höst-${"é".repeat(100)}`; // 206 bytes of UTF-8, 105 characters
  const lock = new LeaseLock({ namespace: "le", name: "l", client: cs.coordinationV1(), identity });
  const now = new Date().toISOString().replace("Z", "000Z");
  await lock.create({
    holderIdentity: identity,
    leaseDurationSeconds: 15,
    acquireTime: now,
    renewTime: now,
    leaderTransitions: 0,
  });
  const lease = await cs.coordinationV1().leases("le").get("l");
  const manager = lease.metadata?.managedFields?.[0]?.manager ?? "";
  assert.ok(Buffer.byteLength(manager) <= 128, `${Buffer.byteLength(manager)} bytes`);
  assert.ok(identity.startsWith(manager) && manager.endsWith("é"), "cut between characters");
  assert.equal(lease.spec?.holderIdentity, identity);
});
