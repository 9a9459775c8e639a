import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Clock, realClock } from "./clock.js";
import { newTypedDelayingQueue } from "./workqueue/delaying.js";

test("realClock: a delay beyond Node's 2^31-1 ms timer limit does not fire early, and can be cleared", async () => {
  let fired = 0;
  const timer = realClock.setTimeout(() => fired++, 2 ** 31 + 1000);
  try {
    await delay(50);
    assert.equal(fired, 0, "Node's own setTimeout fires such a delay after 1 ms");
  } finally {
    realClock.clearTimeout(timer);
  }
});

test("delaying queue: addAfter 30 days arms one timer, not one per millisecond", async () => {
  let armed = 0;
  const counting: Clock = {
    now: () => realClock.now(),
    setTimeout: (fn, ms, keepAlive) => {
      armed++;
      return realClock.setTimeout(fn, ms, keepAlive);
    },
    clearTimeout: (timer) => realClock.clearTimeout(timer),
    sleep: (ms, signal) => realClock.sleep(ms, signal),
  };
  const queue = newTypedDelayingQueue<string>({ clock: counting });
  try {
    queue.addAfter("in-30-days", 30 * 24 * 3600 * 1000);
    await delay(50);
    assert.equal(queue.len(), 0);
    assert.equal(armed, 1);
  } finally {
    queue.shutDown();
  }
});
