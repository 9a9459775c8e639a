// The event recorder against the real API server: series, the spam filter, bad input, and a restart.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Event } from "@org/api-types/events/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { restartAPIServer, startControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { discardLogger, type Logger, newBroadcaster } from "../src/index.js";

async function clientsetFor(kubeconfigPath: string): Promise<Clientset> {
  return Clientset.forConfig(await buildConfigFromFlags("", kubeconfigPath));
}

/** A namespace of its own for the test (deleted after it), and a clientset as the admin. */
async function testNamespace(t: TestContext, prefix: string) {
  const ns = await createTestNamespace(prefix);
  t.after(ns.cleanup);
  return { ns, cs: await clientsetFor((await getControlPlane()).kubeconfigPath) };
}

/** A ConfigMap for events to be about. */
function configMap(cs: Clientset, ns: string, name: string) {
  return cs.coreV1().configMaps(ns).create({ metadata: { name } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventsIn(cs: Clientset, ns: string): Promise<Event[]> {
  return (await cs.eventsV1().events(ns).list()).items;
}

test("100 identical events in 10 s become one Event with series.count 100", async (t) => {
  const { ns, cs } = await testNamespace(t, "ev-series");
  const cm = await configMap(cs, ns.name, "subject");
  const b = newBroadcaster({ sink: cs.eventsV1(), seriesFlushMs: 2000, logger: discardLogger });
  b.startRecordingToSink();
  const rec = b.newRecorder("series-test");
  for (let i = 0; i < 100; i++) {
    rec.eventf(cm, undefined, "Normal", "Pinged", "Ping", "pinged %s", cm.metadata?.name);
    await sleep(100);
  }
  // Mid-way counts have been written (one series update per 2 s), before any shutdown.
  const before = (await eventsIn(cs, ns.name)).filter((e) => e.reason === "Pinged");
  assert.equal(before.length, 1);
  const midCount = before[0]?.series?.count ?? 0;
  t.diagnostic(`series.count on the server before shutdown: ${midCount}`);
  // At most one flush period (2 s, ~20 events) behind, with room for a busy machine.
  assert.ok(midCount >= 60 && midCount <= 100, `series.count ${midCount} after 10 s`);
  await b.shutDown();
  const items = (await eventsIn(cs, ns.name)).filter((e) => e.reason === "Pinged");
  assert.equal(items.length, 1, "one Event for the whole series");
  const ev = items[0] as Event;
  assert.equal(ev.series?.count, 100);
  assert.equal(ev.regarding?.kind, "ConfigMap");
  assert.equal(ev.regarding?.name, "subject");
  assert.equal(ev.regarding?.uid, cm.metadata?.uid);
  assert.equal(ev.reportingController, "series-test");
  assert.equal(ev.action, "Ping");
  assert.equal(ev.note, "pinged subject");
  assert.equal(ev.type, "Normal");
  assert.ok(ev.series?.lastObservedTime && ev.series.lastObservedTime > ev.eventTime);
  t.diagnostic(`writes for 100 events: ${b.writtenEvents} (1 create + series updates)`);
  assert.ok(b.writtenEvents <= 10, `${b.writtenEvents} writes`);
});

test("the per-object spam filter lets 25 distinct events through, then drops", async (t) => {
  const { ns, cs } = await testNamespace(t, "ev-spam");
  const cm = await configMap(cs, ns.name, "noisy");
  const other = await configMap(cs, ns.name, "quiet");
  const b = newBroadcaster({ sink: cs.eventsV1(), logger: discardLogger });
  b.startRecordingToSink();
  const rec = b.newRecorder("spam-test");
  for (let i = 0; i < 30; i++) rec.eventf(cm, undefined, "Warning", `Reason${i}`, "Act", "event %d", i);
  rec.eventf(other, undefined, "Normal", "Reason0", "Act", "another object has its own bucket");
  await b.shutDown();
  const items = await eventsIn(cs, ns.name);
  assert.equal(items.filter((e) => e.regarding?.name === "noisy").length, 25);
  assert.equal(items.filter((e) => e.regarding?.name === "quiet").length, 1);
  assert.equal(b.droppedEvents, 5);
});

test("bad input is logged, never thrown into the caller", async () => {
  const cs = await clientsetFor((await getControlPlane()).kubeconfigPath);
  const logged: string[] = [];
  const logger: Logger = { info() {}, error: (m, f) => logged.push(`${m} ${String(f?.err)}`) };
  const b = newBroadcaster({ sink: cs.eventsV1(), logger });
  b.startRecordingToSink();
  const rec = b.newRecorder("bad-input");
  rec.eventf({ metadata: { name: "x", namespace: "default" } }, undefined, "Normal", "R", "A", "no kind");
  rec.eventf(
    { kind: "Pod", apiVersion: "v1", name: "p", namespace: "default" },
    undefined,
    "Info",
    "R",
    "A",
    "",
  );
  await b.shutDown();
  assert.equal(logged.length, 2);
  assert.match(logged[0] ?? "", /no apiVersion\/kind.*pass an ObjectReference/);
  assert.match(logged[1] ?? "", /"Normal" or "Warning".*"Info"/);
});

test("a related object without kind is left out and the event is still written, as client-go does", async (t) => {
  const { ns, cs } = await testNamespace(t, "ev-related");
  const cm = await configMap(cs, ns.name, "subject");
  const logged: string[] = [];
  const logger: Logger = { info() {}, error: (m, f) => logged.push(`${m} ${String(f?.err)}`) };
  const b = newBroadcaster({ sink: cs.eventsV1(), logger });
  b.startRecordingToSink();
  const rec = b.newRecorder("related-test");
  // A list item: informer and list objects often have no kind.
  const related = { metadata: { name: "helper", namespace: ns.name } };
  rec.eventf(cm, related, "Normal", "Linked", "Link", "with a related object that has no kind");
  await b.shutDown();
  const items = (await eventsIn(cs, ns.name)).filter((e) => e.reason === "Linked");
  assert.equal(items.length, 1);
  assert.equal(items[0]?.regarding?.name, "subject");
  assert.equal(items[0]?.related, undefined);
  assert.equal(logged.length, 1);
  assert.match(logged[0] ?? "", /related.*no apiVersion\/kind/);
});

test("events about objects whose names make no valid Event name (a ClusterRole system:…, a 250-character name) are written", async (t) => {
  const { ns, cs } = await testNamespace(t, "ev-names");
  // Colons are valid in RBAC names but not in an Event's name (a DNS-1123 subdomain): "<name>.<hex>"
  // must give way to another name, as client-go's GenerateEventName does (kubernetes#127594).
  const role = await cs
    .rbacV1()
    .clusterRoles()
    .create({ metadata: { name: `system:ev-names:${ns.name}` }, rules: [] });
  t.after(() =>
    cs
      .rbacV1()
      .clusterRoles()
      .delete(role.metadata?.name ?? ""),
  );
  // A valid 250-character name, 267 with ".<16 hex digits>": over the 253 an Event's name may have.
  const long = await cs
    .coreV1()
    .configMaps(ns.name)
    .create({ metadata: { name: "l".repeat(250) } });
  const errors: string[] = [];
  const b = newBroadcaster({
    sink: cs.eventsV1(),
    logger: { info() {}, error: (m, f) => errors.push(`${m} ${String(f?.err)}`) },
  });
  b.startRecordingToSink();
  const rec = b.newRecorder("names-test");
  rec.eventf(
    { ...role, apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole" },
    undefined,
    "Normal",
    "Checked",
    "Check",
    "role",
  );
  rec.eventf(
    { ...long, apiVersion: "v1", kind: "ConfigMap" },
    undefined,
    "Normal",
    "Checked",
    "Check",
    "long",
  );
  await b.shutDown();
  assert.deepEqual(errors, []);
  const inDefault = (await eventsIn(cs, "default")).filter((e) => e.regarding?.name === role.metadata?.name);
  assert.equal(inDefault.length, 1, "the ClusterRole's event (cluster-scoped: namespace default)");
  const inNs = (await eventsIn(cs, ns.name)).filter((e) => e.regarding?.name === long.metadata?.name);
  assert.equal(inNs.length, 1, "the long-named ConfigMap's event");
  await cs
    .eventsV1()
    .events("default")
    .delete(inDefault[0]?.metadata?.name ?? "");
});

test("the recorder survives an API server restart: events recorded while it is down are written after", async (t) => {
  // A control plane of this test's own: restarting the shared one would disturb every other test.
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const cs = await clientsetFor(cp.kubeconfigPath);
  const cm = await cs
    .coreV1()
    .configMaps("default")
    .create({ metadata: { name: "restart-subject" } });
  const errors: string[] = [];
  const b = newBroadcaster({
    sink: cs.eventsV1(),
    retryDelayMs: 500,
    maxAttempts: 60,
    logger: { info() {}, error: (m) => errors.push(m) },
  });
  b.startRecordingToSink();
  const rec = b.newRecorder("restart-test");
  rec.eventf(cm, undefined, "Normal", "Before", "Act", "before the restart");
  await b.idle();
  const restart = restartAPIServer(cp, { downMs: 3000 });
  await sleep(1000); // the server is down now
  let slowest = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    rec.eventf(cm, undefined, "Warning", `During${i}`, "Act", "while the API server is down");
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const { downMs } = await restart;
  t.diagnostic(`API server down for ${downMs} ms; slowest eventf call while down: ${slowest.toFixed(2)} ms`);
  await b.shutDown(30_000);
  const reasons = (await eventsIn(cs, "default"))
    .filter((e) => e.reportingController === "restart-test")
    .map((e) => e.reason)
    .sort();
  assert.deepEqual(reasons, ["Before", "During0", "During1", "During2", "During3", "During4"]);
  assert.ok(
    errors.some((m) => /will retry/.test(m)),
    "writes failed while the server was down and were retried",
  );
  assert.equal(b.droppedEvents, 0);
});
