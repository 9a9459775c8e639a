// Leader election with two real OS processes against the real API server.
// Shorter durations than the 15 s / 10 s / 2 s defaults keep the test quick; the relations that the
// semantics rest on hold as with the defaults (leaseDuration > renewDeadline > 1.2 × retryPeriod).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Lease } from "@org/api-types/coordination/v1";
import type { ConfigMap } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { Child, type Line } from "./support.js";

const LEASE_MS = 5000;
const RENEW_MS = 3000;
const RETRY_MS = 500;
const candidate = join(import.meta.dirname, "fixtures", "candidate.ts");

async function clientset(): Promise<Clientset> {
  const cp = await getControlPlane();
  return Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
}

function start(ns: string, lease: string, identity: string, extra: Record<string, string> = {}): Child {
  return new Child(candidate, {
    LE_NAMESPACE: ns,
    LE_LEASE: lease,
    LE_IDENTITY: identity,
    LE_LEASE_MS: String(LEASE_MS),
    LE_RENEW_MS: String(RENEW_MS),
    LE_RETRY_MS: String(RETRY_MS),
    ...extra,
  });
}

const ev = (name: string) => (l: Line) => l.ev === name;

/** A and B campaign for one lease; resolves once A leads and B has seen A as the leader. */
async function aLeadsBFollows(ns: string, lease: string, extra: Record<string, string> = {}) {
  const a = start(ns, lease, "cand-a", extra);
  await a.waitFor(ev("started"), 60_000, "A leading");
  const b = start(ns, lease, "cand-b", extra);
  await b.waitFor((l) => l.ev === "newLeader" && l.leader === "cand-a", 60_000, "B observing A");
  assert.equal(b.lines.some(ev("started")), false, "B must not lead while A renews");
  return { a, b };
}

test("SIGKILL the leader: the other leads within leaseDuration + retryPeriod", async (t) => {
  const ns = await createTestNamespace("le-kill");
  t.after(ns.cleanup);
  const { a, b } = await aLeadsBFollows(ns.name, "kill");
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const killedAt = Date.now();
  a.signal("SIGKILL");
  const started = await b.waitFor(ev("started"), 60_000, "B leading");
  const takeover = started.t - killedAt;
  t.diagnostic(
    `takeover after SIGKILL: ${takeover} ms (leaseDuration ${LEASE_MS} + retryPeriod ${RETRY_MS})`,
  );
  // The bound of the issue, plus room for API round trips and process wake-ups on a busy 2-core machine.
  assert.ok(takeover <= LEASE_MS + RETRY_MS + 2000, `took ${takeover} ms`);
  assert.ok(takeover >= LEASE_MS - RETRY_MS, `took over after ${takeover} ms: before A's lease could expire`);
  const l = await (await clientset()).coordinationV1().leases(ns.name).get("kill");
  assert.equal(l.spec?.holderIdentity, "cand-b");
  assert.equal(l.spec?.leaseTransitions, 1);
});

test("SIGSTOP the leader past leaseDuration: the other takes over; the old one aborts and writes nothing more", async (t) => {
  const ns = await createTestNamespace("le-stop");
  t.after(ns.cleanup);
  const cs = await clientset();
  await cs
    .coreV1()
    .configMaps(ns.name)
    .create({ metadata: { name: "work" }, data: {} });
  // Record every version of the Lease and the ConfigMap the leaders write, as the server saw them.
  const leaseWatch = cs.coordinationV1().leases(ns.name).watch({ fieldSelector: "metadata.name=stop" });
  const cmWatch = cs.coreV1().configMaps(ns.name).watch({ fieldSelector: "metadata.name=work" });
  const leaseVersions: { rv: number; holder: string; manager: string }[] = [];
  const cmVersions: { rv: number; writer: string }[] = [];
  const collect = async () => {
    for await (const e of leaseWatch) {
      const o = e.object as Lease;
      const owner = o.metadata?.managedFields?.find((f) =>
        JSON.stringify(f.fieldsV1 ?? {}).includes('"f:renewTime"'),
      );
      leaseVersions.push({
        rv: Number(o.metadata?.resourceVersion),
        holder: o.spec?.holderIdentity ?? "",
        manager: owner?.manager ?? "",
      });
    }
  };
  const collectCm = async () => {
    for await (const e of cmWatch) {
      const o = e.object as ConfigMap;
      cmVersions.push({ rv: Number(o.metadata?.resourceVersion), writer: o.metadata?.labels?.writer ?? "" });
    }
  };
  const watching = Promise.all([collect(), collectCm()]);
  t.after(async () => {
    leaseWatch.stop();
    cmWatch.stop();
    await watching.catch(() => {});
  });

  const { a, b } = await aLeadsBFollows(ns.name, "stop", { LE_CONFIGMAP: "work" });
  t.after(() => Promise.all([a.kill(), b.kill()]));
  await a.waitFor(ev("work"), 10_000, "A writing while it leads");
  const stoppedAt = Date.now();
  a.signal("SIGSTOP");
  const bStarted = await b.waitFor(ev("started"), 60_000, "B leading");
  t.diagnostic(`takeover after SIGSTOP: ${bStarted.t - stoppedAt} ms`);
  await b.waitFor(ev("work"), 10_000, "B writing");
  // Keep A stopped for longer than leaseDuration in all, then let it run again.
  const stoppedFor = LEASE_MS + 1500;
  await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + stoppedFor - Date.now())));
  const resumedAt = Date.now();
  a.signal("SIGCONT");
  const aborted = await a.waitFor(ev("aborted"), 20_000, "A aborting its signal");
  await a.waitFor(ev("stopped"), 20_000, "A calling onStoppedLeading");
  t.diagnostic(
    `A resumed after ${resumedAt - stoppedAt} ms stopped; aborted its signal ${aborted.t - resumedAt} ms later`,
  );
  assert.match(String(aborted.reason), /LeadershipLostError/);
  // Give a stale leader every chance to write: several retry periods. A write sent before the stop
  // may be answered after it (the answer waited in the socket): it was made while A led.
  await new Promise((r) => setTimeout(r, 6 * RETRY_MS));
  assert.equal(
    a.lines.filter((l) => l.ev === "work" && Number(l.sentAt) >= resumedAt).length,
    0,
    "A sent no write after resuming",
  );

  // The server's side: once B's first lease write exists, no version of the Lease or the ConfigMap
  // is A's (resourceVersions are etcd revisions here: one global order across objects).
  const takeover = leaseVersions.find((v) => v.holder === "cand-b");
  assert.ok(takeover, `no lease version held by B: ${JSON.stringify(leaseVersions)}`);
  assert.equal(takeover.manager, "cand-b", "B's write carries B's field manager");
  const staleLease = leaseVersions.filter(
    (v) => v.rv > takeover.rv && (v.holder !== "cand-b" || v.manager !== "cand-b"),
  );
  assert.deepEqual(staleLease, [], "lease versions after the takeover not written by B");
  const staleCm = cmVersions.filter((v) => v.rv > takeover.rv && v.writer === "cand-a");
  assert.deepEqual(staleCm, [], "ConfigMap versions written by A after the takeover");
  assert.ok(
    cmVersions.some((v) => v.writer === "cand-a"),
    "A did write while it led",
  );
  assert.ok(
    cmVersions.some((v) => v.rv > takeover.rv && v.writer === "cand-b"),
    "B writes after the takeover",
  );
  t.diagnostic(
    `${leaseVersions.length} lease versions, ${cmVersions.length} ConfigMap versions checked; A's last write rv ${Math.max(...cmVersions.filter((v) => v.writer === "cand-a").map((v) => v.rv))} < takeover rv ${takeover.rv}`,
  );
  // B still leads: A's resume did not disturb it.
  assert.equal(b.lines.some(ev("stopped")), false);
  const l = await cs.coordinationV1().leases(ns.name).get("stop");
  assert.equal(l.spec?.holderIdentity, "cand-b");
});

test("releaseOnCancel: the leader's SIGTERM hands the lease over at once", async (t) => {
  const ns = await createTestNamespace("le-release");
  t.after(ns.cleanup);
  const { a, b } = await aLeadsBFollows(ns.name, "release", { LE_RELEASE: "1" });
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const termAt = Date.now();
  a.signal("SIGTERM");
  await a.waitFor(ev("exit"), 20_000, "A exiting");
  const started = await b.waitFor(ev("started"), 20_000, "B leading");
  const handover = started.t - termAt;
  t.diagnostic(
    `handover after SIGTERM with releaseOnCancel: ${handover} ms (lease expiry would take ≥ ${LEASE_MS} ms)`,
  );
  assert.ok(handover < LEASE_MS - RETRY_MS, `took ${handover} ms: as long as waiting for expiry`);
  const l = await (await clientset()).coordinationV1().leases(ns.name).get("release");
  assert.equal(l.spec?.holderIdentity, "cand-b");
});
