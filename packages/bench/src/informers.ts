// P8 and P9: informers (@org/informers) beside client-go's SharedIndexInformer and client-node's
// makeInformer, against the bench's HTTPS server.
//   P8 informer sync: 10,000 pods until hasSynced — time, and heap held after sync (after GC).
//      Baselines: JSON.parse of the same list bytes (P1's LIST decode) and undici GET + JSON.parse
//      (the transport floor) for time; the plain objects of JSON.parse for heap (P4's baseline).
//      Ours also with the dropManagedFields transform and metadata-only (PartialObjectMetadata).
//   P9 informer event throughput: 50,000 watch events through the informer into a handler; baseline
//      P2's: undici stream, split on newlines, JSON.parse each. Beside it, the same loop keeping each
//      object in a Map (the floor of any store: its objects outlive the young generation).
// Every Node sample reports the CPU time (user + system) of its process over the measured part.
// Every sample runs in a fresh process (`node informers.js sample <task>`, --expose-gc), warmed
// in-process first on a 500-pod namespace, so no sample carries another's heap or JIT state.
// The server refuses watch-list (422) and ignores `limit`, so every informer makes one LIST, as
// against a watch cache answering resourceVersion=0.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import type { Task, TlsAuth } from "./child.js";
import { podListJSON, watchStream } from "./fixtures.js";
import type { RunnerContext } from "./footprint.js";
import type { Contender } from "./main.js";
import { importUntyped } from "./ours.js";
import { startServer, writeChunked } from "./server.js";
import { MB } from "./stats.js";

const self = fileURLToPath(import.meta.url);
const SYNC_PODS = 10_000;
const WARM_PODS = 500;
const EVENTS = 50_000;
const NS_SYNC = "bench-informer";
const NS_WARM = "bench-informer-warm";
const NS_EVENTS = "bench-events";
const NS_EVENTS_WARM = "bench-events-warm";
const WARM_EVENTS = 5_000;

export interface InformerBenchContext
  extends Pick<
    RunnerContext,
    "reps" | "tmp" | "only" | "interleaved" | "setRatios" | "target" | "med" | "find" | "log"
  > {
  goBin: string | undefined;
  goErr: string;
  goLabel: string;
  clientNodeLabel: string;
}

type SampleClient =
  | "parse"
  | "undici"
  | "ours"
  | "ours-transform"
  | "ours-metadata"
  | "ours-metadata-transform"
  | "client-node"
  | "baseline-watch"
  | "baseline-watch-keep";

interface SampleTask {
  client: SampleClient;
  mode: "sync" | "events";
  url: string;
  kubeconfigPath: string;
  auth: TlsAuth;
  listFile: string;
  /** The warm-up namespace's list (other pods: no string of the measured list is warmed). */
  warmListFile: string;
}

interface SampleResult {
  ms: number;
  /** CPU time (user + system) of the sample process over the measured part, ms. */
  cpuMs: number;
  heapMB?: number;
  n: number;
}

/** The metadata-only form of a PodList, as the API server sends it for as=PartialObjectMetadataList. */
function metadataList(list: Buffer): Buffer {
  const l = JSON.parse(list.toString("utf8")) as { metadata: unknown; items: { metadata: unknown }[] };
  return Buffer.from(
    JSON.stringify({
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1",
      metadata: l.metadata,
      items: l.items.map((p) => ({
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: p.metadata,
      })),
    }),
  );
}

function send(res: ServerResponse, code: number, body: Buffer): void {
  res.writeHead(code, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}

/** The informer routes: lists (full or metadata-only), watch-list refused, watches held open or streamed. */
function informerRoutes(): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean {
  const lists = new Map<string, Buffer>([
    [NS_SYNC, podListJSON(SYNC_PODS, NS_SYNC)],
    [NS_WARM, podListJSON(WARM_PODS, NS_WARM)],
  ]);
  const meta = new Map([...lists].map(([ns, b]) => [ns, metadataList(b)]));
  const empty = Buffer.from(
    JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] }),
  );
  const streams = new Map<string, Buffer>([
    [NS_EVENTS, watchStream(EVENTS, 5000, NS_EVENTS)],
    [NS_EVENTS_WARM, watchStream(WARM_EVENTS, 500, NS_EVENTS_WARM)],
  ]);
  const refusal = Buffer.from(
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "Invalid",
      code: 422,
      message: "sendInitialEvents is not supported by this server",
    }),
  );
  return (req, res, url) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    const ns = m?.[1] ?? "";
    if (!m || !(lists.has(ns) || streams.has(ns))) return false;
    const q = url.searchParams;
    if (q.get("watch") !== "true") {
      const metadataOnly = (req.headers.accept ?? "").includes("as=PartialObjectMetadataList");
      send(res, 200, streams.has(ns) ? empty : ((metadataOnly ? meta : lists).get(ns) as Buffer));
      return true;
    }
    if (q.get("sendInitialEvents") === "true") {
      send(res, 422, refusal);
      return true;
    }
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders(); // a watch with nothing to say yet still answers at once
    const body = streams.get(ns);
    // A stream once, from the list's resourceVersion (or none: the P2 baseline watches without one);
    // a later watch (from the last event's resourceVersion) has nothing new and stays open.
    if (body && (q.get("resourceVersion") ?? "1") === "1") {
      // the P2 baseline reads to the end; the informers get the rest of the stream as silence
      writeChunked(res, body, () => {
        if (!q.has("resourceVersion") && !q.has("allowWatchBookmarks")) res.end();
      });
    }
    return true;
  };
}

function runSample(task: SampleTask): Promise<SampleResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, "--expose-gc", "--max-old-space-size=4096", self, "sample", JSON.stringify(task)],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(String(stderr).trim().split("\n")[0] || err.message));
        else resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as SampleResult);
      },
    );
  });
}

function runGo(bin: string, args: string[]): Promise<{ ms: number[]; n: number; heapMB?: number[] }> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split("\n")[0] || err.message));
      else resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}"));
    });
  });
}

export async function runInformerBench(ctx: InformerBenchContext): Promise<void> {
  const server = await startServer(ctx.tmp, {
    lists: new Map(),
    protoLists: new Map(),
    watches: new Map(),
    configMap: Buffer.alloc(0),
    route: informerRoutes(),
  });
  try {
    const listFile = join(ctx.tmp, `pods-${SYNC_PODS}.json`);
    writeFileSync(listFile, podListJSON(SYNC_PODS, NS_SYNC));
    const warmListFile = join(ctx.tmp, `pods-${WARM_PODS}.json`);
    writeFileSync(warmListFile, podListJSON(WARM_PODS, NS_WARM));
    const base = {
      url: server.url,
      kubeconfigPath: server.kubeconfigPath,
      auth: { ca: server.caPem, token: server.token },
      listFile,
      warmListFile,
    };
    const kc = ["-kubeconfig", server.kubeconfigPath];
    if (ctx.only.has("P8")) await p8(ctx, base, kc);
    if (ctx.only.has("P9")) await p9(ctx, base, kc);
  } finally {
    await server.close();
  }
}

async function p8(
  ctx: InformerBenchContext,
  base: Omit<SampleTask, "client" | "mode">,
  kc: string[],
): Promise<void> {
  const time = `informer sync of ${SYNC_PODS} pods until hasSynced`;
  const heap = `heap held after sync of ${SYNC_PODS} pods`;
  const heaps = new Map<string, number[]>();
  const node = (client: string, c: SampleClient): Contender => ({
    client,
    sample: async () => {
      const r = await runSample({ ...base, client: c, mode: "sync" });
      if (r.heapMB !== undefined) heaps.set(client, [...(heaps.get(client) ?? []), r.heapMB]);
      return { samples: [r.ms], n: r.n, cpu: [r.cpuMs] };
    },
  });
  const go: Contender = {
    client: ctx.goLabel,
    sample: async () => {
      if (!ctx.goBin) throw new Error(ctx.goErr);
      const r = await runGo(ctx.goBin, [
        "informer",
        ...kc,
        "-namespace",
        NS_SYNC,
        "-warmns",
        NS_WARM,
        "-reps",
        "1",
        "-warmup",
        "1",
      ]);
      heaps.set(ctx.goLabel, [...(heaps.get(ctx.goLabel) ?? []), ...(r.heapMB ?? [])]);
      return { samples: r.ms, n: r.n };
    },
  };
  const parse = "baseline: JSON.parse (P1's LIST decode)";
  const plain = "baseline: plain JSON.parse objects";
  ctx.log(`P8: informer sync of ${SYNC_PODS} pods`);
  await ctx.interleaved({ scenario: "P8", case: time, unit: "ms" }, [
    node(parse, "parse"),
    node("undici GET + JSON.parse", "undici"),
    node("ours", "ours"),
    node("ours + dropManagedFields", "ours-transform"),
    node("ours, metadata-only", "ours-metadata"),
    node("ours, metadata-only + dropManagedFields", "ours-metadata-transform"),
    node(ctx.clientNodeLabel, "client-node"),
    go,
  ]);
  ctx.setRatios("P8", time, parse);
  ctx.target("P8", time, "≤1.1× the LIST decode; faster than client-node", [
    (m) => m <= 1.1 * (ctx.med("P8", time, parse) ?? 0),
    (m) => {
      const x = ctx.med("P8", time, ctx.clientNodeLabel);
      return x === undefined ? undefined : m < x;
    },
  ]);
  // The heap figures came with the same samples.
  const replay = (client: string, from: string): Contender => ({
    client,
    sample: async () => {
      const v = heaps.get(from)?.shift();
      if (v === undefined) throw new Error("no heap figure (the sync sample failed)");
      return { samples: [v] };
    },
  });
  await ctx.interleaved({ scenario: "P8", case: heap, unit: "MB" }, [
    replay(plain, parse),
    replay("ours", "ours"),
    replay("ours + dropManagedFields", "ours + dropManagedFields"),
    replay("ours, metadata-only", "ours, metadata-only"),
    replay("ours, metadata-only + dropManagedFields", "ours, metadata-only + dropManagedFields"),
    replay(ctx.clientNodeLabel, ctx.clientNodeLabel),
    replay(ctx.goLabel, ctx.goLabel),
  ]);
  ctx.setRatios("P8", heap, plain);
  const ratioTarget = (client: string, k: number, text: string) => {
    const r = ctx.find("P8", heap, client);
    if (!r) return;
    r.target = text;
    r.met = r.ratio !== null && r.ratio <= k;
  };
  ctx.target("P8", heap, "≤1.05× plain parsed objects; below client-node", [
    (m) => m <= 1.05 * (ctx.med("P8", heap, plain) ?? 0),
    (m) => {
      const x = ctx.med("P8", heap, ctx.clientNodeLabel);
      return x === undefined ? undefined : m < x;
    },
  ]);
  ratioTarget("ours + dropManagedFields", 0.6, "≤0.6× plain parsed objects");
  ratioTarget("ours, metadata-only", 0.2, "≤0.2× plain parsed objects");
  const metaRow = ctx.find("P8", heap, "ours, metadata-only");
  if (metaRow) metaRow.note = "managedFields are metadata: kept unless dropped (next row)";
  const goRow = ctx.find("P8", heap, ctx.goLabel);
  if (goRow) goRow.note = "Go heap (HeapAlloc after GC) of typed structs: not the same memory model";
}

async function p9(
  ctx: InformerBenchContext,
  base: Omit<SampleTask, "client" | "mode">,
  kc: string[],
): Promise<void> {
  const c = `${EVENTS} watch events through the informer into a handler`;
  const b = "baseline: undici + split + JSON.parse (P2)";
  const keep = "floor: P2's baseline + a Map keeping each object";
  const node = (client: string, s: SampleClient): Contender => ({
    client,
    sample: async () => {
      const r = await runSample({ ...base, client: s, mode: "events" });
      return { samples: [r.ms], n: r.n, cpu: [r.cpuMs] };
    },
  });
  ctx.log(`P9: ${EVENTS} events through the informer`);
  await ctx.interleaved({ scenario: "P9", case: c, unit: "ms" }, [
    node(b, "baseline-watch"),
    node(keep, "baseline-watch-keep"),
    node("ours", "ours"),
    node(ctx.clientNodeLabel, "client-node"),
    {
      client: ctx.goLabel,
      sample: async () => {
        if (!ctx.goBin) throw new Error(ctx.goErr);
        const r = await runGo(ctx.goBin, [
          "informer-watch",
          ...kc,
          "-namespace",
          NS_EVENTS,
          "-warmns",
          NS_EVENTS_WARM,
          "-count",
          String(EVENTS),
          "-reps",
          "1",
          "-warmup",
          "1",
        ]);
        return { samples: r.ms, n: r.n };
      },
    },
  ]);
  ctx.setRatios("P9", c, b);
  ctx.target("P9", c, "≥0.8× P2's baseline throughput (≤1.25× its time)", [
    (m) => m <= (ctx.med("P9", c, b) ?? 0) / 0.8,
  ]);
  const keepRow = ctx.find("P9", c, keep);
  if (keepRow) {
    keepRow.note =
      "what any informer's store adds: the objects live until replaced, so the young-generation GC copies every one";
  }
}

// --- one sample, in a fresh process ---

interface InformerLike {
  run(signal: AbortSignal): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  addEventHandler(h: { onAdd?(o: unknown): void; onUpdate?(a: unknown, b: unknown): void }): unknown;
  getIndexer(): { size: number };
}
interface InformersModule {
  SharedIndexInformer: new (lw: unknown, opts: Record<string, unknown>) => InformerLike;
  dropManagedFields(o: unknown): unknown;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error("needs node --expose-gc");
  g();
  g();
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** One measured run: wall and CPU time, what it keeps alive, how many objects or events it saw. */
interface Measured {
  ms: number;
  cpuMs: number;
  held: unknown;
  n: number;
}

/** CPU time (user + system) of this process since `from`, ms. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1000;
}

/** Our informer on `ns`: synced (mode sync) or until `events` notifications (mode events). */
async function ours(task: SampleTask, ns: string, events: number): Promise<Measured> {
  const inf = (await importUntyped("@org/informers")) as InformersModule;
  const rest = (await importUntyped("@org/rest")) as {
    buildConfigFromFlags(m: string, p: string): Promise<Record<string, unknown>>;
  };
  const cs = (await importUntyped("@org/clientset")) as {
    Clientset: { forConfig(c: unknown): { coreV1(): { pods(ns: string): unknown } } };
    MetadataClient: { forConfig(c: unknown): { resource(gvr: unknown): { namespace(ns: string): unknown } } };
  };
  const config = await rest.buildConfigFromFlags("", task.kubeconfigPath);
  config.qps = 0;
  config.rateLimiter = null;
  const lw =
    task.client === "ours-metadata" || task.client === "ours-metadata-transform"
      ? cs.MetadataClient.forConfig(config)
          .resource({ group: "", version: "v1", resource: "pods" })
          .namespace(ns)
      : cs.Clientset.forConfig(config).coreV1().pods(ns);
  const opts: Record<string, unknown> = { watchErrorHandler: () => {} };
  if (task.client === "ours-transform" || task.client === "ours-metadata-transform") {
    opts.transform = inf.dropManagedFields;
  }
  const ac = new AbortController();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const informer = new inf.SharedIndexInformer(lw, opts);
  let n = 0;
  let reached: () => void = () => {};
  const done = new Promise<void>((r) => {
    reached = r;
  });
  if (events > 0) {
    const count = () => {
      if (++n === events) reached();
    };
    informer.addEventHandler({ onAdd: count, onUpdate: count });
  }
  void informer.run(ac.signal);
  if (events > 0) await done;
  else await informer.waitForSync(ac.signal);
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  if (events === 0) n = informer.getIndexer().size;
  return { ms, cpuMs, held: { informer, ac }, n };
}

async function clientNode(task: SampleTask, ns: string, events: number): Promise<Measured> {
  const k8s = (await import("@kubernetes/client-node")) as typeof import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(task.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () =>
    core.listNamespacedPod({ namespace: ns }),
  );
  let n = 0;
  let reached: () => void = () => {};
  const done = new Promise<void>((r) => {
    reached = r;
  });
  if (events > 0) {
    const count = () => {
      if (++n === events) reached();
    };
    informer.on("add", count);
    informer.on("update", count);
  }
  await informer.start();
  if (events > 0) await done;
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  if (events === 0) n = informer.list().length;
  return { ms, cpuMs, held: informer, n };
}

async function sample(task: SampleTask): Promise<SampleResult> {
  const { readFileSync } = await import("node:fs");
  const sync = task.mode === "sync";
  const ns = sync ? NS_SYNC : NS_EVENTS;
  const warmNs = sync ? NS_WARM : NS_EVENTS_WARM;
  const events = sync ? 0 : EVENTS;
  const warmEvents = sync ? 0 : WARM_EVENTS;
  if (task.client === "parse") {
    const bytes = readFileSync(task.listFile);
    JSON.parse(readFileSync(task.warmListFile).toString("utf8")); // warm-up on other pods
    gc();
    const before = process.memoryUsage().heapUsed;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const held = JSON.parse(bytes.toString("utf8")) as { items: unknown[] };
    const ms = performance.now() - t0;
    const cpuMs = cpuSince(c0);
    const heapMB = ((await settledHeap()) - before) / MB;
    (globalThis as { __held?: unknown }).__held = held;
    return { ms, cpuMs, heapMB, n: held.items.length };
  }
  if (task.client === "undici") {
    const dispatcher = new Agent({ connect: { ca: task.auth.ca } });
    const headers = { accept: "application/json", authorization: `Bearer ${task.auth.token}` };
    const get = async (namespace: string) => {
      const res = await request(`${task.url}/api/v1/namespaces/${namespace}/pods`, { headers, dispatcher });
      return JSON.parse(await res.body.text()) as { items: unknown[] };
    };
    await get(warmNs); // warm-up: connection, JIT
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const l = await get(ns);
    return { ms: performance.now() - t0, cpuMs: cpuSince(c0), n: l.items.length };
  }
  if (task.client === "baseline-watch" || task.client === "baseline-watch-keep") {
    const { runTask } = await import("./child.js");
    const t: Task = {
      kind: "watch",
      client: "baseline",
      url: task.url,
      kubeconfigPath: task.kubeconfigPath,
      auth: task.auth,
      namespace: ns,
      reps: 1,
      warmup: 0,
      events,
      keep: task.client === "baseline-watch-keep",
    };
    await runTask({ ...t, namespace: warmNs, events: warmEvents });
    const r = await runTask(t);
    return { ms: r.ms?.[0] ?? Number.NaN, cpuMs: r.cpuMs?.[0] ?? Number.NaN, n: r.n };
  }
  const run = task.client === "client-node" ? clientNode : ours;
  const warm = await run(task, warmNs, warmEvents);
  stopHeld(warm.held);
  gc();
  const before = process.memoryUsage().heapUsed;
  const r = await run(task, ns, events);
  const heapMB = sync ? ((await settledHeap()) - before) / MB : undefined;
  (globalThis as { __held?: unknown }).__held = r.held;
  return { ms: r.ms, cpuMs: r.cpuMs, n: r.n, ...(heapMB !== undefined ? { heapMB } : {}) };
}

function stopHeld(held: unknown): void {
  const h = held as { ac?: AbortController; stop?: () => Promise<void> };
  h.ac?.abort();
  void h.stop?.();
}

if (process.argv[1] === self && process.argv[2] === "sample") {
  sample(JSON.parse(process.argv[3] ?? "{}") as SampleTask).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
