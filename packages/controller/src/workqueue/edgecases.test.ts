// Edge cases where client-go's util/workqueue has a definite answer: bad delays and limiter options,
// and the corners of the rate limiters' arithmetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../clock.js";
import { newTypedDelayingQueue } from "./delaying.js";
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from "./ratelimiters.js";

test("exponential: a zero base delay stays zero however many failures (0·2^n, not the cap)", () => {
  const l = new ItemExponentialFailureRateLimiter<string>(0, 1_000_000);
  for (let i = 0; i < 1100; i++) assert.equal(l.when("a"), 0, `failure ${i + 1}`);
});

test("bucket: an infinite qps (rate.Inf) never delays, and does not poison a max-of with NaN", () => {
  const clock = new FakeClock();
  const bucket = new BucketRateLimiter<string>(Number.POSITIVE_INFINITY, 1, clock);
  for (let i = 0; i < 5; i++) assert.equal(bucket.when("a"), 0);
  const m = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(5, 1000), bucket);
  assert.deepEqual([m.when("b"), m.when("b"), m.when("b")], [5, 10, 20]);
});

test("bad limiter options are a RangeError naming the option and its value", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new ItemExponentialFailureRateLimiter(5, Number.POSITIVE_INFINITY), /max Infinity/],
    [() => new ItemExponentialFailureRateLimiter(Number.POSITIVE_INFINITY, 10), /base Infinity/],
    [() => new ItemExponentialFailureRateLimiter("5" as unknown as number, 10), /base 5/],
    [() => new ItemFastSlowRateLimiter(5, 10, 2.5), /maxFastAttempts 2\.5/],
    [() => new ItemFastSlowRateLimiter(5, Number.POSITIVE_INFINITY, 2), /slow Infinity/],
    [() => new BucketRateLimiter(10, 1.5), /burst 1\.5/],
    [() => new BucketRateLimiter(10, Number.POSITIVE_INFINITY), /burst Infinity/],
    [() => new BucketRateLimiter(Number.NaN, 10), /qps NaN/],
    [() => new BucketRateLimiter("10" as unknown as number, 10), /qps 10/],
  ];
  for (const [make, message] of cases) assert.throws(make, { name: "RangeError", message });
});

test("addAfter with a delay that is not a number is a TypeError naming delayMs", () => {
  const clock = new FakeClock();
  const q = newTypedDelayingQueue<string>({ clock });
  for (const bad of [Number.NaN, "10" as unknown as number, undefined as unknown as number])
    assert.throws(() => q.addAfter("a", bad), { name: "TypeError", message: /delayMs/ });
  assert.equal(q.len(), 0, "nothing was added");
  q.addAfter("a", -5);
  assert.equal(q.len(), 1, "a negative delay still adds at once");
});
