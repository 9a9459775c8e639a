// Leader election in the test process against the real API server: what other writers and skewed
// clocks do to a candidate. Short timings as in leaderelection.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Lease } from "@org/api-types/coordination/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags, isConflict } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import {
  discardLogger,
  LeaderElector,
  LeadershipLostError,
  LeaseLock,
  type Logger,
  microTime,
} from "../src/index.js";

const timings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

async function clientset(): Promise<Clientset> {
  return Clientset.forConfig(await buildConfigFromFlags("", (await getControlPlane()).kubeconfigPath));
}

function elector(
  cs: Clientset,
  ns: string,
  name: string,
  identity: string,
  onLead: (s: AbortSignal) => void,
  logger: Logger = discardLogger,
) {
  return new LeaderElector({
    lock: new LeaseLock({ namespace: ns, name, client: cs.coordinationV1(), identity }),
    ...timings,
    logger,
    callbacks: { onStartedLeading: onLead },
  });
}

test("expiry is judged by local observation: a lease renewed 'an hour ago' by a skewed clock is still respected", async (t) => {
  const ns = await createTestNamespace("le-skew");
  t.after(ns.cleanup);
  const cs = await clientset();
  const hourAgo = microTime(new Date(Date.now() - 3_600_000));
  await cs
    .coordinationV1()
    .leases(ns.name)
    .create({
      metadata: { name: "skew" },
      spec: {
        holderIdentity: "other",
        leaseDurationSeconds: 4,
        acquireTime: hourAgo,
        renewTime: hourAgo,
        leaseTransitions: 0,
      },
    });
  const stop = new AbortController();
  t.after(() => stop.abort());
  const started = performance.now();
  let ledAfter = -1;
  const run = elector(cs, ns.name, "skew", "me", () => {
    ledAfter = performance.now() - started;
  }).run(stop.signal);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(ledAfter, -1, "took over a lease whose timestamps are old but which it saw only 2.5 s ago");
  while (ledAfter < 0) await new Promise((r) => setTimeout(r, 50));
  t.diagnostic(
    `took over the unchanged lease after ${ledAfter.toFixed(0)} ms of observing it (leaseDuration 4000)`,
  );
  assert.ok(ledAfter >= 4000, `took over after ${ledAfter} ms`);
  stop.abort();
  await run;
});

test("a leader whose lease was overwritten gets a conflict on renew, steps down, and does not overwrite it back", async (t) => {
  const ns = await createTestNamespace("le-conflict");
  t.after(ns.cleanup);
  const cs = await clientset();
  const leases = cs.coordinationV1().leases(ns.name);
  let leading: AbortSignal | undefined;
  const stop = new AbortController();
  t.after(() => stop.abort());
  const errors: unknown[] = [];
  const logger: Logger = { info() {}, error: (_m, f) => errors.push(f?.err) };
  const run = elector(
    cs,
    ns.name,
    "c",
    "me",
    (s) => {
      leading = s;
    },
    logger,
  ).run(stop.signal);
  while (!leading) await new Promise((r) => setTimeout(r, 20));
  // Another writer takes the lease over behind our back (e.g. an operator's kubectl edit).
  const cur = (await leases.get("c")) as Lease;
  const now = microTime(new Date());
  await leases.update({
    ...cur,
    spec: { ...cur.spec, holderIdentity: "intruder", renewTime: now, acquireTime: now },
  });
  const aborted = performance.now();
  await run; // run() returns once leading has ended
  t.diagnostic(`stepped down ${(performance.now() - aborted).toFixed(0)} ms after the overwrite`);
  assert.equal(leading.aborted, true);
  assert.ok(leading.reason instanceof LeadershipLostError);
  assert.ok(errors.some(isConflict), "the renew over the old resourceVersion got 409 Conflict");
  const after = (await leases.get("c")) as Lease;
  assert.equal(after.spec?.holderIdentity, "intruder", "the lease was not written back");
});

test("releaseOnCancel releases a lease that changed since the last renew but is still held by this candidate", async (t) => {
  const ns = await createTestNamespace("le-release");
  t.after(ns.cleanup);
  const cs = await clientset();
  const leases = cs.coordinationV1().leases(ns.name);
  const errors: unknown[] = [];
  const logger: Logger = { info() {}, error: (_m, f) => errors.push(f?.err) };
  let leading: AbortSignal | undefined;
  const stop = new AbortController();
  t.after(() => stop.abort());
  // A retry period of 5 s: no renew between the change below and the cancel.
  const run = new LeaderElector({
    lock: new LeaseLock({ namespace: ns.name, name: "r", client: cs.coordinationV1(), identity: "me" }),
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 5_000,
    releaseOnCancel: true,
    logger,
    callbacks: {
      onStartedLeading: (s) => {
        leading = s;
      },
    },
  }).run(stop.signal);
  while (!leading) await new Promise((r) => setTimeout(r, 20));
  // Someone labels the Lease (or a renew the server applied reached us as an abort): a new
  // resourceVersion, the same holder.
  const cur = (await leases.get("r")) as Lease;
  await leases.update({ ...cur, metadata: { ...cur.metadata, labels: { team: "infra" } } });
  stop.abort();
  await run;
  const after = (await leases.get("r")) as Lease;
  assert.deepEqual(errors, [], "no failed release");
  assert.equal(after.spec?.holderIdentity, "", "released: the next candidate need not wait for expiry");
  assert.equal(after.spec?.leaseTransitions, cur.spec?.leaseTransitions);
  assert.equal(after.metadata?.labels?.team, "infra", "the other writer's change is kept");
});
