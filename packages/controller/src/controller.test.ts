import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { DeletedFinalStateUnknown } from "@org/informers";
import { Controller, type EventSource } from "./controller.js";
import type { EventRecorder } from "./events/events.js";
import { discardLogger, type Logger } from "./logger.js";
import { ItemExponentialFailureRateLimiter } from "./workqueue/ratelimiters.js";

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string; ownerKey?: string } };

/** An in-process event source standing in for an informer (its handlers are called directly). */
class FakeSource implements EventSource<Obj> {
  handlers: Parameters<EventSource<Obj>["addEventHandler"]>[0][] = [];
  synced = false;
  addEventHandler(h: Parameters<EventSource<Obj>["addEventHandler"]>[0]) {
    this.handlers.push(h);
  }
  hasSynced() {
    return this.synced;
  }
}

/** Node 20 has no Promise.withResolvers. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const fast = () => new ItemExponentialFailureRateLimiter<string>(1, 20);

test("N workers, never two reconciles of one key at once, all keys reconciled", async () => {
  const inFlight = new Set<string>();
  let concurrent = 0;
  let maxConcurrent = 0;
  const violations: string[] = [];
  const seen = new Map<string, number>();
  const ctl = new Controller({
    name: "workers",
    workers: 4,
    handleSignals: false,
    logger: discardLogger,
    rateLimiter: fast(),
    reconcile: async (key) => {
      if (inFlight.has(key)) violations.push(key);
      inFlight.add(key);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await delay(Math.random() * 4);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      concurrent--;
      inFlight.delete(key);
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 10; i++) ctl.enqueue(`ns/k${i}`);
    await delay(2);
  }
  while (ctl.queue.len() > 0 || concurrent > 0) await delay(5);
  stop.abort();
  await running;
  assert.deepEqual(violations, []);
  assert.equal(seen.size, 10);
  assert.ok(maxConcurrent > 1 && maxConcurrent <= 4, `max concurrency ${maxConcurrent}`);
});

test("errors re-queue with the rate limiter; success forgets the key's backoff", async () => {
  let calls = 0;
  const errors: string[] = [];
  const logger: Logger = { info() {}, error: (m) => errors.push(m) };
  const done = deferred();
  const ctl = new Controller({
    name: "retry",
    handleSignals: false,
    logger,
    rateLimiter: fast(),
    reconcile: async () => {
      calls++;
      if (calls < 3) throw new Error(`attempt ${calls} fails`);
      done.resolve();
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  ctl.enqueue("ns/a");
  await done.promise;
  await delay(5);
  assert.equal(calls, 3);
  assert.equal(ctl.queue.numRequeues("ns/a"), 0, "forgotten after success");
  assert.equal(errors.filter((m) => /requeuing/.test(m)).length, 2);
  stop.abort();
  await running;
});

test("after maxRetries the key is dropped with a log line and a Warning event", async () => {
  let calls = 0;
  const logged: Record<string, unknown>[] = [];
  const events: unknown[][] = [];
  const recorder: EventRecorder = { eventf: (...args) => events.push(args) };
  const subject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns" } };
  const ctl = new Controller({
    name: "drop",
    handleSignals: false,
    maxRetries: 3,
    recorder,
    objectForKey: (key) => (key === "ns/a" ? subject : undefined),
    logger: { info() {}, error: (m, f) => logged.push({ m, ...f }) },
    rateLimiter: fast(),
    reconcile: async () => {
      calls++;
      throw new Error("always fails");
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  ctl.enqueue("ns/a");
  while (!logged.some((l) => /dropping/.test(String(l.m)))) await delay(5);
  await delay(50);
  assert.equal(calls, 4, "the first attempt and 3 retries");
  assert.equal(ctl.queue.len(), 0);
  const drop = logged.find((l) => /dropping/.test(String(l.m)));
  assert.equal(drop?.key, "ns/a");
  assert.equal(events.length, 1);
  const [obj, , type, reason, , note, ...args] = events[0] as unknown[];
  assert.equal(obj, subject);
  assert.equal(type, "Warning");
  assert.equal(reason, "ReconcileFailed");
  assert.match(String(note), /gave up/);
  assert.deepEqual(args.slice(0, 3), ["drop", "ns/a", 4]);
  stop.abort();
  await running;
});

test("requeueAfter reconciles the key again after the delay", async () => {
  const times: number[] = [];
  const ctl = new Controller({
    name: "requeue",
    handleSignals: false,
    logger: discardLogger,
    reconcile: async () => {
      times.push(performance.now());
      return times.length < 3 ? { requeueAfterMs: 30 } : undefined;
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  ctl.enqueue("ns/a");
  while (times.length < 3) await delay(5);
  await delay(60);
  assert.equal(times.length, 3);
  assert.ok((times[1] as number) - (times[0] as number) >= 25);
  stop.abort();
  await running;
});

test("bad numeric options are a RangeError naming the option", () => {
  const base = { name: "bad", reconcile: async () => {}, logger: discardLogger };
  assert.throws(() => new Controller({ ...base, workers: 0 }), /workers must be ≥ 1 \(got 0\)/);
  assert.throws(() => new Controller({ ...base, maxRetries: Number.NaN }), {
    name: "RangeError",
    message: "Controller bad: maxRetries must be ≥ 0 (got NaN)",
  });
  assert.throws(() => new Controller({ ...base, drainTimeoutMs: -1 }), {
    name: "RangeError",
    message: "Controller bad: drainTimeoutMs must be ≥ 0 (got -1)",
  });
  new Controller({ ...base, maxRetries: 0, drainTimeoutMs: 0 });
});

test("run() after a run has ended rejects at once instead of running with a shut-down queue", async () => {
  const ctl = new Controller({
    name: "once",
    handleSignals: false,
    logger: discardLogger,
    reconcile: async () => {},
  });
  const first = new AbortController();
  const running = ctl.run(first.signal);
  first.abort();
  await running;
  const second = new AbortController();
  try {
    const outcome = await Promise.race([
      ctl.run(second.signal).then(
        () => "resolved",
        (e: Error) => e.message,
      ),
      delay(200).then(() => "still running, taking no keys"),
    ]);
    assert.match(outcome, /run\(\) has already ended; a Controller runs once/);
  } finally {
    second.abort();
  }
});

test("shutdown drains in-flight reconciles without aborting them, and takes no new keys", async () => {
  const started = deferred();
  let finished = false;
  let abortedDuring = false;
  let calls = 0;
  const ctl = new Controller({
    name: "drain",
    handleSignals: false,
    logger: discardLogger,
    reconcile: async (_key, signal) => {
      calls++;
      started.resolve();
      await delay(100);
      abortedDuring = signal.aborted;
      finished = true;
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  ctl.enqueue("ns/a");
  await started.promise;
  ctl.enqueue("ns/b");
  stop.abort();
  await running;
  assert.equal(finished, true, "run() resolved only after the in-flight reconcile finished");
  assert.equal(abortedDuring, false);
  assert.equal(calls, 1, "no new key was taken after shutdown began");
});

test("after drainTimeoutMs run() resolves even if a reconcile ignores its aborted signal", async () => {
  const logged: string[] = [];
  const logger: Logger = { info() {}, error: (m) => void logged.push(m) };
  let aborted = false;
  const started = deferred();
  const ctl = new Controller({
    name: "stuck",
    handleSignals: false,
    drainTimeoutMs: 50,
    logger,
    reconcile: (_key, signal) => {
      signal.addEventListener("abort", () => {
        aborted = true;
      });
      started.resolve();
      return new Promise(() => {}); // e.g. a call made without the signal, on a dead connection
    },
  });
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  ctl.enqueue("ns/a");
  await started.promise;
  stop.abort();
  const outcome = await Promise.race([running.then(() => "resolved"), delay(1000).then(() => "hung")]);
  assert.equal(outcome, "resolved");
  assert.equal(aborted, true, "the reconcile's signal aborted at the drain timeout");
  assert.ok(
    logged.some((m) => /drain timeout/.test(m)),
    logged.join("\n"),
  );
});

test("watch(): informer events become keys; workers start after the source synced", async () => {
  const src = new FakeSource();
  const keys: string[] = [];
  const ctl = new Controller({
    name: "watch",
    handleSignals: false,
    logger: discardLogger,
    reconcile: async (key) => {
      keys.push(key);
    },
  });
  const owned = new FakeSource();
  ctl.watch(src).watch(owned, { keys: (o) => (o.metadata.ownerKey ? [o.metadata.ownerKey] : []) });
  owned.synced = true;
  const stop = new AbortController();
  const running = ctl.run(stop.signal);
  const [h] = src.handlers;
  const [oh] = owned.handlers;
  h?.onAdd?.({ metadata: { name: "a", namespace: "ns", resourceVersion: "1" } }, true);
  await delay(50);
  assert.deepEqual(keys, [], "not before the source synced");
  src.synced = true;
  await delay(50);
  assert.deepEqual(keys, ["ns/a"]);
  const v1 = { metadata: { name: "a", namespace: "ns", resourceVersion: "1" } };
  h?.onUpdate?.(v1, v1); // a resync: same resourceVersion, no reconcile
  h?.onUpdate?.(v1, { metadata: { ...v1.metadata, resourceVersion: "2" } });
  h?.onDelete?.(new DeletedFinalStateUnknown("ns/gone", { metadata: { name: "gone", namespace: "ns" } }));
  oh?.onAdd?.({ metadata: { name: "child", namespace: "ns", ownerKey: "ns/owner" } }, false);
  oh?.onAdd?.({ metadata: { name: "orphan", namespace: "ns" } }, false);
  await delay(50);
  assert.deepEqual(keys.sort(), ["ns/a", "ns/a", "ns/gone", "ns/owner"]);
  stop.abort();
  await running;
});
