// The informer's own logic over an in-process ListerWatcher (the server side is covered by the
// integration tests against a real API server): relist diffs and tombstones, watch-list fallback,
// resync, idle watches, Retry-After and handler registrations.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ListOptions, StatusError, type Watch, type WatchEvent } from "@org/rest";
import { SharedIndexInformer } from "./informer.js";
import { IdleWatchError, type ListerWatcher, type ObjectList } from "./reflector.js";
import { DeletedFinalStateUnknown, IndexError } from "./store.js";

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
}
const obj = (name: string, rv: string): Obj => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });

type WatchScript = (WatchEvent<Obj> | Error | "hang")[];

/** Answers list() and watch() from scripts, and records the options of each call. */
class ScriptedLW implements ListerWatcher<Obj> {
  lists: (ObjectList<Obj> | Error)[] = [];
  watches: WatchScript[] = [];
  calls: { verb: string; opts: ListOptions }[] = [];

  async list(opts: ListOptions): Promise<ObjectList<Obj>> {
    this.calls.push({ verb: "list", opts });
    const r = this.lists.shift() ?? { metadata: { resourceVersion: "1" }, items: [] };
    if (r instanceof Error) throw r;
    return r;
  }

  watch(opts: ListOptions): Watch<Obj> {
    this.calls.push({ verb: "watch", opts });
    const script = this.watches.shift() ?? ["hang"];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    opts.signal?.addEventListener("abort", () => stop());
    return {
      stop: () => stop(),
      async *[Symbol.asyncIterator]() {
        for (const step of script) {
          if (step === "hang") {
            await stopped;
            return;
          }
          if (step instanceof Error) throw step;
          yield step;
          await new Promise((r) => setImmediate(r));
        }
        await stopped; // the server keeps the watch open
      },
    };
  }
}

const status = (code: number, reason: string, retryAfterSeconds?: number) =>
  new StatusError(
    { code, reason, message: reason, ...(retryAfterSeconds ? { details: { retryAfterSeconds } } : {}) },
    "WATCH",
    "/x",
  );

function record(informer: SharedIndexInformer<Obj>) {
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (o, initial) =>
      void log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}${initial ? " (initial)" : ""}`),
    onUpdate: (a, b) =>
      void log.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) =>
      void log.push(
        o instanceof DeletedFinalStateUnknown ? `tombstone ${o.key}` : `delete ${o.metadata.name}`,
      ),
  });
  return log;
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in time: ${cond}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test("a 410 relists and delivers only the difference: updates, adds and tombstones, nothing twice", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(422, "Invalid")]); // watch-list refused: falls back to LIST for good
  lw.lists.push({
    metadata: { resourceVersion: "10" },
    items: [obj("a", "5"), obj("b", "6"), obj("c", "7")],
  });
  lw.watches.push([{ type: "MODIFIED", object: obj("a", "11") }, status(410, "Expired")]);
  lw.lists.push({
    metadata: { resourceVersion: "20" },
    items: [obj("a", "11"), obj("b", "15"), obj("d", "16")],
  });
  const informer = new SharedIndexInformer<Obj>(lw, { watchErrorHandler: () => {} });
  const log = record(informer);
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  await until(() => log.length >= 7);
  assert.deepEqual(log.slice(0, 6), [
    "add a@5 (initial)",
    "add b@6 (initial)",
    "add c@7 (initial)",
    "update a@5->11",
    "update b@6->15",
    "add d@16",
  ]);
  assert.equal(log[6], "tombstone ns/c");
  const h = informer.health();
  assert.equal(h.watchList, false);
  assert.equal(h.stats.gone, 1);
  assert.equal(informer.lastSyncResourceVersion(), "20");
  assert.deepEqual(
    lw.calls.map((c) => `${c.verb} ${c.opts.resourceVersion ?? "-"} ${c.opts.sendInitialEvents ?? ""}`),
    // client-go's list resourceVersions: "0" first (the watch cache), "" after the 410 (etcd)
    ["watch - true", "list 0 ", "watch 10 ", "list - ", "watch 20 "],
  );
  assert.equal(lw.calls[1]!.opts.limit, 500);
  assert.equal(lw.calls[2]!.opts.allowWatchBookmarks, true);
  ac.abort();
  await done;
  assert.equal(informer.health().state, "stopped");
});

test("LIST pages: resourceVersion 0 on the first page only, continue on the next, the reflector's resourceVersion over a tweak's", async () => {
  const lw = new ScriptedLW();
  lw.lists.push({ metadata: { resourceVersion: "30", continue: "page-2" }, items: [obj("a", "21")] });
  lw.lists.push({ metadata: { resourceVersion: "30" }, items: [obj("b", "22")] });
  const informer = new SharedIndexInformer<Obj>(lw, {
    useWatchList: false,
    watchErrorHandler: () => {},
    tweakListOptions: (o) => {
      o.labelSelector = "app=x";
      o.resourceVersion = "12345";
    },
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  assert.ok(await informer.waitForSync(ac.signal));
  await until(() => lw.calls.length >= 3);
  const [first, second, watch] = lw.calls;
  assert.deepEqual(
    [first!.opts.resourceVersion, first!.opts.continue, first!.opts.limit, first!.opts.labelSelector],
    ["0", undefined, 500, "app=x"],
  );
  assert.equal("resourceVersion" in second!.opts, false, "a continue page carries no resourceVersion");
  assert.deepEqual([second!.opts.continue, second!.opts.labelSelector], ["page-2", "app=x"]);
  assert.deepEqual([watch!.verb, watch!.opts.resourceVersion], ["watch", "30"]);
  assert.deepEqual(informer.getIndexer().listKeys().sort(), ["ns/a", "ns/b"]);
  ac.abort();
  await done;
});

test("watch-list: initial events collected until the end bookmark, then the same stream goes on", async () => {
  const lw = new ScriptedLW();
  const end: WatchEvent<Obj> = {
    type: "BOOKMARK",
    object: {
      metadata: { name: "", resourceVersion: "9", annotations: { "k8s.io/initial-events-end": "true" } },
    },
  };
  lw.watches.push([
    { type: "ADDED", object: obj("a", "3") },
    { type: "ADDED", object: obj("b", "4") },
    end,
    { type: "DELETED", object: obj("a", "12") },
  ]);
  const informer = new SharedIndexInformer<Obj>(lw);
  const log = record(informer);
  const ac = new AbortController();
  void informer.run(ac.signal);
  assert.ok(await informer.waitForSync(ac.signal));
  await until(() => log.length >= 3);
  assert.deepEqual(log, ["add a@3 (initial)", "add b@4 (initial)", "delete a"]);
  assert.equal(lw.calls.length, 1, "one request");
  assert.equal(lw.calls[0]!.opts.resourceVersionMatch, "NotOlderThan");
  assert.equal(informer.lastSyncResourceVersion(), "12");
  ac.abort();
});

test("an idle watch is stopped and reported, then resumed from its resourceVersion", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(400, "BadRequest")]);
  lw.lists.push({ metadata: { resourceVersion: "5" }, items: [] });
  lw.watches.push([{ type: "ADDED", object: obj("a", "6") }, "hang"]);
  lw.watches.push([{ type: "ADDED", object: obj("b", "7") }]);
  const errors: unknown[] = [];
  const informer = new SharedIndexInformer<Obj>(lw, {
    idleTimeoutMs: 100,
    backoff: { initialMs: 1, maxMs: 2 },
    watchErrorHandler: (e) => errors.push(e),
  });
  const log = record(informer);
  const ac = new AbortController();
  void informer.run(ac.signal);
  await until(() => log.length === 2);
  assert.ok(errors[0] instanceof IdleWatchError);
  assert.equal(lw.calls[3]!.opts.resourceVersion, "6");
  assert.equal(informer.health().stats.idleRestarts, 1);
  ac.abort();
});

test("Retry-After of a 429 is honoured before the next attempt", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(429, "TooManyRequests", 1)]);
  const end: WatchEvent<Obj> = {
    type: "BOOKMARK",
    object: {
      metadata: { name: "", resourceVersion: "2", annotations: { "k8s.io/initial-events-end": "true" } },
    },
  };
  lw.watches.push([end]);
  const informer = new SharedIndexInformer<Obj>(lw, {
    backoff: { initialMs: 1, maxMs: 2 },
    watchErrorHandler: () => {},
  });
  const ac = new AbortController();
  const t0 = Date.now();
  void informer.run(ac.signal);
  assert.ok(await informer.waitForSync(ac.signal));
  assert.ok(Date.now() - t0 >= 990, `retried after ${Date.now() - t0} ms`);
  ac.abort();
});

test("registrations: late handlers get the store as initial adds; hasSynced per handler; remove(); resync", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(422, "Invalid")]);
  lw.lists.push({ metadata: { resourceVersion: "5" }, items: [obj("a", "1"), obj("b", "2")] });
  const informer = new SharedIndexInformer<Obj>(lw, { watchErrorHandler: () => {} });
  const ac = new AbortController();
  void informer.run(ac.signal);
  assert.ok(await informer.waitForSync(ac.signal));
  const seen: string[] = [];
  const reg = informer.addEventHandler(
    {
      onAdd: (o, initial) => void seen.push(`add ${o.metadata.name} ${initial}`),
      onUpdate: (a, b) => void seen.push(`resync ${b.metadata.name} ${a === b}`),
    },
    { resyncPeriodMs: 1000 },
  );
  assert.equal(reg.hasSynced(), false);
  await until(() => reg.hasSynced());
  assert.deepEqual(seen.slice(0, 2), ["add a true", "add b true"]);
  await until(() => seen.length >= 4);
  assert.deepEqual(seen.slice(2, 4).sort(), ["resync a true", "resync b true"]);
  reg.remove();
  const n = seen.length;
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(seen.length, n, "no notifications after remove()");
  ac.abort();
});

test("a resync period that is not a number of ms from 0 to 2^31-1 is a RangeError naming the option", () => {
  const informer = new SharedIndexInformer<Obj>(new ScriptedLW());
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 2 ** 31]) {
    // NaN and Infinity made Node's setInterval resync every object every 1 ms.
    assert.throws(() => informer.addEventHandler({}, { resyncPeriodMs: bad }), {
      name: "RangeError",
      message: new RegExp(
        `^resyncPeriodMs must be a number of ms from 0 \\(no resync\\) to 2147483647 \\(got ${bad}\\)`,
      ),
    });
  }
  assert.throws(() => new SharedIndexInformer<Obj>(new ScriptedLW(), { defaultResyncMs: Number.NaN }), {
    name: "RangeError",
    message: /^defaultResyncMs must be/,
  });
  informer.addEventHandler({}, { resyncPeriodMs: 0 }).remove();
});

test("a resync period under 1 s is raised to 1 s with a warning, as client-go raises it", async () => {
  const informer = new SharedIndexInformer<Obj>(new ScriptedLW());
  const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
  informer.addEventHandler({}, { resyncPeriodMs: 1 }).remove();
  const w = await warned;
  assert.equal(w.name, "InformerWarning");
  assert.match(w.message, /^resyncPeriodMs 1 ms is too small; using the minimum of 1000 ms/);
});

test("abort stops a watch whose lister-watcher ignores the signal; a stopped informer refuses to start again", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(422, "Invalid")]); // watch-list refused: LIST, then a watch that stays open
  lw.lists.push({ metadata: { resourceVersion: "3" }, items: [obj("a", "2"), obj("b", "3")] });
  let stopped = 0;
  // a hand-written lister-watcher that only ends its watch through stop(), as client-go's Watch does
  const deaf: ListerWatcher<Obj> = {
    list: (opts) => lw.list(opts),
    watch: (opts) => {
      const w = lw.watch({ ...opts, signal: new AbortController().signal });
      return {
        ...w,
        stop: () => {
          stopped++;
          w.stop();
        },
      };
    },
  };
  const informer = new SharedIndexInformer<Obj>(deaf, { watchErrorHandler: () => {} });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  assert.equal(await informer.waitForSync(), true);
  // an indexer added to a synced informer indexes what it holds (client-go's AddIndexers)
  informer.addIndexers({ byName: (o) => [o.metadata.name] });
  assert.deepEqual(informer.getIndexer().indexKeys("byName", "b"), ["ns/b"]);
  ac.abort();
  await done;
  assert.ok(stopped >= 1, "the reflector stopped the watch");
  assert.equal(informer.isRunning(), false);
  await assert.rejects(informer.run(new AbortController().signal), /has stopped .*runs only once/);
  assert.throws(() => informer.addEventHandler({}), /has stopped .*handler was not added/);
  assert.throws(() => informer.addIndexers({ late: () => [] }), /has stopped .*indexers were not added/);
});

test("an index function that throws leaves the store as it was and stops the informer with an IndexError", async () => {
  const lw = new ScriptedLW();
  lw.watches.push([status(422, "Invalid")]);
  lw.lists.push({ metadata: { resourceVersion: "10" }, items: [obj("a", "5")] });
  const bad = obj("b", "11");
  bad.metadata.annotations = { broken: "yes" };
  lw.watches.push([
    { type: "ADDED", object: bad },
    { type: "ADDED", object: obj("c", "12") },
  ]);
  const errors: unknown[] = [];
  const informer = new SharedIndexInformer<Obj>(lw, {
    watchErrorHandler: (e) => void errors.push(e),
    indexers: {
      byBroken: (o) => {
        if (o.metadata.annotations?.broken) throw new Error("cannot index a broken object");
        return ["fine"];
      },
    },
  });
  const log = record(informer);
  const err = await informer.run(new AbortController().signal).then(
    () => assert.fail("run resolved"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof IndexError);
  assert.match(err.message, /index function "byBroken" threw for ns\/b: cannot index a broken object/);
  assert.deepEqual(errors, [err], "the watch-error handler saw it first");
  // what the handlers were told is what the store holds, indices included
  assert.deepEqual(log, ["add a@5 (initial)"]);
  const store = informer.getIndexer();
  assert.deepEqual(store.listKeys(), ["ns/a"]);
  assert.deepEqual(store.indexKeys("namespace", "ns"), ["ns/a"]);
  assert.equal(informer.health().state, "stopped");
  assert.equal(
    lw.calls.filter((c) => c.verb === "watch").length,
    2,
    "no watch again from the same resourceVersion",
  );
});

test("a lister-watcher whose watch() throws the watch-list refusal at once falls back to LIST", async () => {
  const lw = new ScriptedLW();
  lw.lists.push({ metadata: { resourceVersion: "3" }, items: [obj("a", "2")] });
  let first = true;
  const eager: ListerWatcher<Obj> = {
    list: (opts) => lw.list(opts),
    watch: (opts) => {
      if (first) {
        first = false;
        throw status(422, "Invalid");
      }
      return lw.watch(opts);
    },
  };
  const informer = new SharedIndexInformer<Obj>(eager, { watchErrorHandler: () => {} });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  assert.equal(await informer.waitForSync(AbortSignal.timeout(3000)), true);
  assert.equal(informer.health().watchList, false);
  assert.equal(informer.health().stats.errors, 0, "a refusal is not an error to back off from");
  ac.abort();
  await done;
});
