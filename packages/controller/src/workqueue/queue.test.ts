import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { FakeClock } from "../clock.js";
import { newTypedDelayingQueue } from "./delaying.js";
import { newTyped } from "./queue.js";
import { ItemExponentialFailureRateLimiter } from "./ratelimiters.js";
import { newTypedRateLimitingQueue } from "./ratelimiting.js";

/** A small seeded PRNG (mulberry32), so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("an item added twice before it is taken is processed once", async () => {
  const q = newTyped<string>();
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.len(), 2);
  assert.deepEqual(await q.get(), { item: "a", shutdown: false });
  assert.deepEqual(await q.get(), { item: "b", shutdown: false });
  assert.equal(q.len(), 0);
});

test("an item added while being processed is queued again only after done()", async () => {
  const q = newTyped<string>();
  q.add("a");
  const first = await q.get();
  assert.equal(first.item, "a");
  q.add("a");
  q.add("a");
  assert.equal(q.len(), 0, "not handed out while a worker holds it");
  let second: string | undefined;
  void q.get().then((r) => {
    second = r.item;
  });
  await delay(5);
  assert.equal(second, undefined, "a second worker must not get it before done()");
  q.done("a");
  await delay(0);
  assert.equal(second, "a");
  q.done("a");
  assert.equal(q.len(), 0, "processed once more, not twice more");
});

test("get() waits for an item, and resolves with shutdown once shut down and empty", async () => {
  const q = newTyped<number>();
  const waiting = q.get();
  q.add(7);
  assert.deepEqual(await waiting, { item: 7, shutdown: false });
  const blocked = q.get();
  q.shutDown();
  assert.deepEqual(await blocked, { item: undefined, shutdown: true });
  q.add(8);
  assert.equal(q.len(), 0, "adds after shutdown are ignored");
  assert.equal(q.shuttingDown(), true);
});

test("items queued before shutDown are still handed out", async () => {
  const q = newTyped<string>();
  q.add("x");
  q.add("y");
  q.shutDown();
  assert.equal((await q.get()).item, "x");
  assert.equal((await q.get()).item, "y");
  assert.equal((await q.get()).shutdown, true);
});

test("shutDownWithDrain resolves only after every taken item is done", async () => {
  const q = newTyped<string>();
  q.add("a");
  q.add("b");
  const a = await q.get();
  const b = await q.get();
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => {
    drained = true;
  });
  await delay(5);
  assert.equal(drained, false);
  q.done(a.item as string);
  await delay(5);
  assert.equal(drained, false, "b is still in flight");
  q.done(b.item as string);
  await drain;
  assert.equal(drained, true);
  await q.shutDownWithDrain(); // nothing in flight: resolves at once
});

test("shutDownWithDrain waits for items in flight, not for one added again while it was processed", async () => {
  const q = newTyped<string>();
  q.add("a");
  const a = await q.get();
  q.add("a"); // dirty: queued again when done
  const drain = q.shutDownWithDrain();
  q.done(a.item as string);
  await drain; // client-go: nothing is processing, so the drain returns with "a" still queued
  assert.equal(q.len(), 1);
  assert.deepEqual(await q.get(), { item: "a", shutdown: false });
  q.done("a");
  assert.equal((await q.get()).shutdown, true);
});

test("shutDown() during shutDownWithDrain() ends the drain's wait; a second drain does not", async () => {
  const q = newTyped<string>();
  q.add("stuck");
  const taken = await q.get();
  let drained = 0;
  const first = q.shutDownWithDrain().then(() => drained++);
  const second = q.shutDownWithDrain().then(() => drained++);
  await delay(5);
  assert.equal(drained, 0, "a second shutDownWithDrain() waits too");
  q.shutDown(); // client-go: forces ShutDownWithDrain to stop waiting, though "stuck" is not done
  await Promise.all([first, second]);
  assert.equal(drained, 2);
  q.done(taken.item as string);
  assert.equal((await q.get()).shutdown, true);
});

test("dedupe holds for thousands of distinct items while the queue is never idle", async () => {
  // One item stays in processing throughout, so the queue is never idle: the record of what is queued
  // drops stale entries as it goes (every 1,024 or so) and must still dedupe what is queued and
  // queue again what was done.
  const q = newTyped<string>();
  q.add("held");
  assert.equal((await q.get()).item, "held");
  const order: string[] = [];
  const take = async () => {
    const r = await q.get();
    order.push(r.item as string);
    q.done(r.item as string);
  };
  const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
  for (const [i, key] of keys.entries()) {
    q.add(key);
    q.add(key);
    if (i > 0) q.add(keys[i - 1] as string); // still queued: deduped
    if (i % 3 !== 0) await take(); // two of three: more done than queued
  }
  while (q.len() > 0) await take();
  const counts = new Map<string, number>();
  for (const key of order) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const key of keys) {
    assert.equal(counts.get(key), 1, `${key}: processed ${counts.get(key)} times`);
  }
  assert.ok(!counts.has("held"), "the held item was never handed out twice");
  for (const key of keys) q.add(key); // every one was done: each is queued once more
  q.add("held"); // still processing: waits for done()
  assert.equal(q.len(), keys.length);
  q.done("held");
  assert.equal(q.len(), keys.length + 1, "queued again once done");
});

for (const seed of [1, 2, 3, 4, 5]) {
  test(`property: concurrent workers with random delays (seed ${seed})`, async () => {
    const random = rng(seed);
    const q = newTyped<string>();
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const inFlight = new Set<string>();
    const lastAdd = new Map<string, number>(); // key → sequence number of its last add
    const lastStart = new Map<string, number>(); // key → sequence number when processing last started
    let seq = 0;
    let processed = 0;
    let adds = 0;
    const violations: string[] = [];

    const worker = async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        const key = r.item;
        if (inFlight.has(key)) violations.push(`${key} processed by two workers at once`);
        inFlight.add(key);
        lastStart.set(key, seq++);
        processed++;
        if (random() < 0.3) await delay(Math.floor(random() * 3));
        else await new Promise((res) => setImmediate(res));
        if (!q.shuttingDown() && random() < 0.2) {
          adds++;
          lastAdd.set(key, seq++);
          q.add(key); // re-add during processing: must run again after done
        }
        inFlight.delete(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    for (let i = 0; i < 400; i++) {
      const key = keys[Math.floor(random() * keys.length)] as string;
      adds++;
      lastAdd.set(key, seq++);
      q.add(key);
      if (random() < 0.4) await delay(Math.floor(random() * 2));
    }
    // Shut down while workers are busy: the drain resolves only when nothing is in flight, and items
    // queued before the shutdown are still handed out until the workers see `shutdown`.
    await q.shutDownWithDrain();
    assert.equal(inFlight.size, 0, "drained: nothing in flight");
    await Promise.all(workers);

    assert.deepEqual(violations, []);
    assert.ok(processed <= adds, `dedupe: ${processed} processings for ${adds} adds`);
    assert.ok(processed < adds, "some adds must have been merged");
    for (const [key, added] of lastAdd) {
      const started = lastStart.get(key) ?? -1;
      assert.ok(
        started > added,
        `${key} was added (#${added}) but not processed after it (last start #${started})`,
      );
    }
    assert.equal(inFlight.size, 0);
  });
}

test("delaying queue: addAfter adds when the delay has passed, the earlier of two delays wins", async () => {
  const clock = new FakeClock();
  const q = newTypedDelayingQueue<string>({ clock });
  q.addAfter("slow", 100);
  q.addAfter("fast", 50);
  q.addAfter("slow", 30);
  q.addAfter("now", 0);
  assert.equal(q.len(), 1, "a zero delay adds at once");
  assert.equal((await q.get()).item, "now");
  clock.step(29);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1);
  assert.equal((await q.get()).item, "slow", "re-added with 30 ms, earlier than its first 100 ms");
  clock.step(19);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal((await q.get()).item, "fast");
  clock.step(1000);
  assert.equal(q.len(), 0, "slow's later time was dropped, not added a second time");
});

test("delaying queue: shutDown drops waiting items and their timer", () => {
  const clock = new FakeClock();
  const q = newTypedDelayingQueue<string>({ clock });
  q.addAfter("a", 10);
  assert.equal(clock.pendingTimers, 1);
  q.shutDown();
  assert.equal(clock.pendingTimers, 0);
  q.addAfter("b", 10);
  clock.step(100);
  assert.equal(q.len(), 0);
});

test("objects are compared by identity", async () => {
  const q = newTyped<{ n: number }>();
  const a = { n: 1 };
  q.add(a);
  q.add(a);
  q.add({ n: 1 });
  assert.equal(q.len(), 2);
});

for (const seed of [11, 12, 13]) {
  test(`property: rate-limited retries under concurrent workers (seed ${seed})`, async () => {
    const random = rng(seed);
    const q = newTypedRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(1, 8));
    const inFlight = new Set<string>();
    const violations: string[] = [];
    const succeeded = new Set<string>();
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const worker = async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        const key = r.item;
        if (inFlight.has(key)) violations.push(key);
        inFlight.add(key);
        await delay(Math.floor(random() * 2));
        inFlight.delete(key);
        if (random() < 0.5) {
          q.addRateLimited(key); // failed: retried after 1, 2, 4, 8, 8 ... ms
        } else {
          q.forget(key);
          if (q.numRequeues(key) !== 0) violations.push(`${key} not forgotten`);
          succeeded.add(key);
        }
        q.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (const k of keys) q.add(k);
    while (succeeded.size < keys.length) await delay(5);
    await q.shutDownWithDrain();
    await Promise.all(workers);
    assert.deepEqual(violations, []);
    assert.equal(succeeded.size, keys.length);
  });
}
