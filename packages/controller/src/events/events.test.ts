import assert from "node:assert/strict";
import { test } from "node:test";
import { newFakeClientsetWithOptions } from "@org/clientset/fake";
import { FakeClock } from "../clock.js";
import { discardLogger, type Logger } from "../logger.js";
import { newBroadcaster } from "./events.js";

test("the spam filter keeps the 4096 most recently seen objects (client-go's LRU): its memory is bounded", async () => {
  const cs = newFakeClientsetWithOptions(
    {},
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
  );
  const spamDrops: string[] = [];
  const logger: Logger = {
    info() {},
    error: (m, f) => {
      if (/spam filter/.test(m)) spamDrops.push(String(f?.object));
    },
  };
  const b = newBroadcaster({ sink: cs.eventsV1(), clock: new FakeClock(), maxQueuedEvents: 10_000, logger });
  // Not started: events are only queued (the filter decides before that), shutDown() drops them.
  const rec = b.newRecorder("lru-test");
  const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" } });
  const others = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) rec.eventf(cm(`other-${i}`), undefined, "Normal", "R", "A", "");
  };
  for (let i = 0; i < 26; i++) rec.eventf(cm("noisy"), undefined, "Normal", `R${i}`, "A", "");
  assert.deepEqual(spamDrops, ["noisy"], "burst 25, no refill on a fake clock");
  others(0, 4095); // 4096 records with noisy's
  rec.eventf(cm("noisy"), undefined, "Normal", "Still", "A", "");
  assert.deepEqual(spamDrops, ["noisy", "noisy"], "still limited, and now the most recently used");
  others(4095, 1); // one record too many: the least recently used one (other-0) goes, not noisy's
  rec.eventf(cm("noisy"), undefined, "Normal", "Still2", "A", "");
  assert.deepEqual(spamDrops, ["noisy", "noisy", "noisy"]);
  others(5000, 4096);
  // 4096 other objects seen since: noisy's record was evicted, as client-go's LRU evicts it, and the
  // object starts again with a full bucket.
  rec.eventf(cm("noisy"), undefined, "Normal", "Again", "A", "");
  assert.deepEqual(spamDrops, ["noisy", "noisy", "noisy"]);
  await b.shutDown();
});

test("notes take Go's %q and %v as client-go's messages use them", async () => {
  const cs = newFakeClientsetWithOptions(
    {},
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
  );
  const b = newBroadcaster({ sink: cs.eventsV1(), logger: discardLogger });
  b.startRecordingToSink();
  const rec = b.newRecorder("format-test");
  const foo = {
    apiVersion: "samplecontroller.k8s.io/v1alpha1",
    kind: "Foo",
    metadata: { name: "f", namespace: "ns" },
  };
  // client-go sample-controller's MessageResourceExists.
  rec.eventf(
    foo,
    undefined,
    "Warning",
    "ErrResourceExists",
    "Sync",
    "Resource %q already exists and is not managed by Foo",
    "web",
  );
  rec.eventf(foo, undefined, "Normal", "Scaled", "Scale", "%v replicas, %d ready", 3, 2);
  await b.shutDown();
  const notes = (await cs.eventsV1().events("ns").list()).items.map((e) => e.note).sort();
  assert.deepEqual(notes, ["3 replicas, 2 ready", 'Resource "web" already exists and is not managed by Foo']);
});

test("notes are Go's fmt.Sprintf of the args, cut to 1024 bytes of UTF-8 between code points", async () => {
  const cs = newFakeClientsetWithOptions(
    {},
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
  );
  const b = newBroadcaster({ sink: cs.eventsV1(), logger: discardLogger });
  b.startRecordingToSink();
  const rec = b.newRecorder("note-test");
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" } };
  const note = (reason: string, format: string, ...args: unknown[]) =>
    rec.eventf(cm, undefined, "Normal", reason, "Sync", format, ...args);
  // client-go's Eventf(obj, ..., "%v", err): the error's message, not the stack util.format prints
  note("Failed", "failed: %v", new Error("boom"));
  // fmt.Sprintf runs without args too
  note("Literal", "100%% done, %v");
  // The API server counts bytes (Go's len): 1000 × "é" is 2000 bytes and would be refused.
  note("LongLatin", "é".repeat(1000));
  // An odd start, so that a cut by UTF-16 units would split a surrogate pair.
  note("LongEmoji", `x${"😀".repeat(600)}`);
  await b.shutDown();
  const notes = new Map(
    (await cs.eventsV1().events("ns").list()).items.map((e) => [e.reason, e.note ?? ""] as const),
  );
  assert.equal(notes.get("Failed"), "failed: boom");
  assert.equal(notes.get("Literal"), "100% done, %!v(MISSING)");
  assert.equal(notes.get("LongLatin"), "é".repeat(512));
  assert.equal(notes.get("LongEmoji"), `x${"😀".repeat(255)}`);
  for (const n of notes.values()) {
    assert.ok(Buffer.byteLength(n) <= 1024);
    assert.equal(Buffer.from(n).toString(), n, "valid UTF-8: no half of a surrogate pair");
  }
});

test("a repeat is counted in its Event's series; a newer resourceVersion of the object starts a new Event", async () => {
  const cs = newFakeClientsetWithOptions(
    {},
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
  );
  const b = newBroadcaster({ sink: cs.eventsV1(), logger: discardLogger });
  b.startRecordingToSink();
  const rec = b.newRecorder("series-test");
  const cm = (resourceVersion: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "ns", uid: "u-1", resourceVersion },
  });
  rec.eventf(cm("1"), undefined, "Normal", "Synced", "Sync", "synced");
  rec.eventf(cm("1"), undefined, "Normal", "Synced", "Sync", "synced");
  rec.eventf(cm("2"), undefined, "Normal", "Synced", "Sync", "synced");
  await b.shutDown();
  const events = (await cs.eventsV1().events("ns").list()).items
    .map((e) => ({ rv: e.regarding?.resourceVersion, count: e.series?.count }))
    .sort((x, y) => String(x.rv).localeCompare(String(y.rv)));
  assert.deepEqual(events, [
    { rv: "1", count: 2 },
    { rv: "2", count: undefined },
  ]);
});
