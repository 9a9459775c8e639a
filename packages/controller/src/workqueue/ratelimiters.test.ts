import assert from "node:assert/strict";
import { test } from "node:test";
import * as promClient from "prom-client";
import { FakeClock } from "../clock.js";
import type { MetricsProvider } from "./metrics.js";
import { prometheusMetricsProvider } from "./prometheus.js";
import {
  BucketRateLimiter,
  defaultTypedControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from "./ratelimiters.js";
import { newTypedRateLimitingQueue } from "./ratelimiting.js";

test("exponential: 5 ms doubling per failure of an item, capped at 1000 s, forget starts over", () => {
  const l = new ItemExponentialFailureRateLimiter<string>();
  assert.deepEqual(
    Array.from({ length: 5 }, () => l.when("a")),
    [5, 10, 20, 40, 80],
  );
  assert.equal(l.when("b"), 5, "per item");
  assert.equal(l.numRequeues("a"), 5);
  for (let i = 0; i < 30; i++) l.when("a");
  assert.equal(l.when("a"), 1_000_000);
  for (let i = 0; i < 2000; i++) l.when("a"); // 2^2000 overflows to Infinity: still the cap
  assert.equal(l.when("a"), 1_000_000);
  l.forget("a");
  assert.equal(l.numRequeues("a"), 0);
  assert.equal(l.when("a"), 5);
});

test("fast/slow: fast delay for the first attempts, then slow", () => {
  const l = new ItemFastSlowRateLimiter<string>(5, 10_000, 3);
  assert.deepEqual(
    [l.when("a"), l.when("a"), l.when("a"), l.when("a"), l.when("a")],
    [5, 5, 5, 10_000, 10_000],
  );
  assert.equal(l.when("b"), 5);
  assert.equal(l.numRequeues("a"), 5);
  l.forget("a");
  assert.equal(l.when("a"), 5);
});

test("bad delays are a RangeError naming them, for every per-item limiter", () => {
  assert.throws(() => new ItemExponentialFailureRateLimiter(Number.NaN), {
    name: "RangeError",
    message: /got base NaN/,
  });
  assert.throws(() => new ItemFastSlowRateLimiter(Number.NaN, 10_000, 3), {
    name: "RangeError",
    message: /got fast NaN ms, slow 10000 ms, maxFastAttempts 3/,
  });
  assert.throws(() => new ItemFastSlowRateLimiter(5, -1, 3), RangeError);
  assert.throws(() => new ItemFastSlowRateLimiter(5, 10, -1), RangeError);
});

test("bucket: a burst of 100 without delay, then one token every 100 ms at 10 qps", () => {
  const clock = new FakeClock();
  const l = new BucketRateLimiter<string>(10, 100, clock);
  for (let i = 0; i < 100; i++) assert.equal(l.when(`i${i}`), 0);
  assert.equal(Math.round(l.when("x")), 100);
  assert.equal(Math.round(l.when("y")), 200, "reservations queue up");
  clock.step(1000); // 10 tokens earned, 2 already reserved
  for (let i = 0; i < 8; i++) assert.equal(l.when(`j${i}`), 0);
  assert.equal(Math.round(l.when("z")), 100);
  assert.equal(l.numRequeues("x"), 0);
  assert.throws(() => new BucketRateLimiter(0, 1), RangeError);
});

test("max-of and the default controller limiter: the longer delay wins", () => {
  const clock = new FakeClock();
  const m = new MaxOfRateLimiter<string>(
    new ItemExponentialFailureRateLimiter(1, 1000),
    new ItemFastSlowRateLimiter(3, 500, 2),
  );
  assert.deepEqual([m.when("a"), m.when("a"), m.when("a"), m.when("a")], [3, 3, 500, 500]);
  assert.equal(m.numRequeues("a"), 4);
  m.forget("a");
  assert.equal(m.numRequeues("a"), 0);

  const d = defaultTypedControllerRateLimiter<string>(clock);
  // 100 distinct items use up the burst; each first failure is the exponential 5 ms.
  for (let i = 0; i < 100; i++) assert.equal(d.when(`k${i}`), 5);
  // The 101st waits for the bucket (100 ms), longer than its exponential 5 ms.
  assert.equal(Math.round(d.when("k100")), 100);
  clock.step(60_000);
  // One item failing over and over: the exponential part dominates.
  const delays = Array.from({ length: 12 }, () => d.when("hot"));
  assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240]);
});

test("rate-limited queue: addRateLimited waits the limiter's delay on the queue's clock", async () => {
  const clock = new FakeClock();
  const q = newTypedRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
  q.addRateLimited("a");
  q.addRateLimited("a"); // second failure: 10 ms, but the earlier 5 ms wait wins
  assert.equal(q.numRequeues("a"), 2);
  clock.step(4);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal((await q.get()).item, "a");
  q.done("a");
  q.addRateLimited("a"); // third failure: 20 ms
  clock.step(19);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1);
  q.forget("a");
  assert.equal(q.numRequeues("a"), 0);
  q.shutDown();
});

test("metrics hooks: depth, adds, latency, work duration, unfinished work, longest running, retries", async () => {
  const clock = new FakeClock();
  const seen: Record<string, number[]> = {};
  const rec = (kind: string) => (v: number) => {
    seen[kind] = [...(seen[kind] ?? []), v];
  };
  const provider: MetricsProvider = {
    newDepthMetric: (name) => {
      assert.equal(name, "foos");
      let depth = 0;
      return { inc: () => rec("depth")(++depth), dec: () => rec("depth")(--depth) };
    },
    newAddsMetric: () => ({ inc: () => rec("adds")(1) }),
    newLatencyMetric: () => ({ observe: rec("latency") }),
    newWorkDurationMetric: () => ({ observe: rec("work") }),
    newUnfinishedWorkSecondsMetric: () => ({ set: rec("unfinished") }),
    newLongestRunningProcessorSecondsMetric: () => ({ set: rec("longest") }),
    newRetriesMetric: () => ({ inc: () => rec("retries")(1) }),
  };
  const q = newTypedRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(1000, 1000), {
    name: "foos",
    metricsProvider: provider,
    clock,
  });
  q.add("a");
  q.add("b");
  q.add("a"); // deduped: no second add counted
  clock.step(250);
  const a = await q.get();
  clock.step(500); // the unfinished-work loop runs every 500 ms
  clock.step(250);
  q.done(a.item as string);
  q.addRateLimited("c");
  assert.deepEqual(seen.depth, [1, 2, 1]);
  assert.deepEqual(seen.adds, [1, 1]);
  assert.deepEqual(seen.latency, [0.25]);
  assert.deepEqual(seen.work, [0.75]);
  assert.deepEqual(seen.retries, [1]);
  // Set to 0 at start, then refreshed at 500 ms and 1000 ms while "a" (taken at 250 ms) runs.
  assert.deepEqual(seen.unfinished, [0, 0.25, 0.75]);
  assert.deepEqual(seen.longest, [0, 0.25, 0.75]);
  q.shutDown();
});

test("prom-client adapter: metrics named as Kubernetes components name them, labelled by queue", async () => {
  const registry = new promClient.Registry();
  const provider = prometheusMetricsProvider(promClient, { registers: [registry] });
  const q = newTypedRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), {
    name: "foos",
    metricsProvider: provider,
  });
  q.add("a");
  q.add("b");
  const r = await q.get();
  q.done(r.item as string);
  q.addRateLimited("c");
  const text = await registry.metrics();
  assert.match(text, /^workqueue_depth\{name="foos"\} 1$/m);
  assert.match(text, /^workqueue_adds_total\{name="foos"\} 2$/m);
  assert.match(text, /^workqueue_retries_total\{name="foos"\} 1$/m);
  assert.match(text, /^workqueue_queue_duration_seconds_count\{name="foos"\} 1$/m);
  assert.match(text, /^workqueue_work_duration_seconds_count\{name="foos"\} 1$/m);
  assert.match(text, /^workqueue_unfinished_work_seconds\{name="foos"\}/m);
  assert.match(text, /^workqueue_longest_running_processor_seconds\{name="foos"\}/m);
  q.shutDown();
});
