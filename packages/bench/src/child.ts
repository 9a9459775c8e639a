// One measurement in a fresh process: `node [--expose-gc] child.js <task.json>` prints one JSON
// line {"ms":[...],"n":...} (or {"bytes":[...]} for heap tasks). Each client runs in its own
// process so that JIT state and heap of one client never affect another.
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { loadOurs } from "./ours.js";

export type ClientName = "baseline" | "undici" | "ours" | "client-node";

export interface TlsAuth {
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}

export interface Task {
  kind: "parse" | "list" | "watch" | "get" | "heap";
  client: ClientName;
  url: string;
  kubeconfigPath: string;
  auth: TlsAuth;
  namespace: string;
  name?: string;
  reps: number;
  warmup: number;
  count?: number;
  /** Get: the GETs of each warm-up repetition (default: `count`). */
  warmupCount?: number;
  concurrency?: number;
  events?: number;
  /** Watch, raw undici: keep each event's object in a Map by namespace/name (the least an informer's store does). */
  keep?: boolean;
  listFile?: string;
  /** Raw undici only: offer HTTP/2 by ALPN (undici's allowH2), for the HTTP/2 rows of P3. */
  h2?: boolean;
}

export interface ChildResult {
  ms?: number[];
  /** CPU time (user + system) of this process per repetition, ms. */
  cpuMs?: number[];
  bytes?: number[];
  n: number;
}

/** The operations of one client, created once per process (connection pool included). */
interface Ops {
  list(): Promise<number>;
  watch(expected: number): Promise<number>;
  get(): Promise<unknown>;
  /** Returns the decoded list, kept alive by the caller (heap measurement). */
  listObject(): Promise<unknown>;
}

function undiciOps(t: Task): Ops {
  const dispatcher = new Agent({
    allowH2: t.h2 === true,
    connect: { ca: t.auth.ca, ...(t.auth.cert ? { cert: t.auth.cert, key: t.auth.key } : {}) },
  });
  const headers: Record<string, string> = { accept: "application/json" };
  if (t.auth.token) headers.authorization = `Bearer ${t.auth.token}`;
  const base = `${t.url}/api/v1/namespaces/${t.namespace}`;
  const getJSON = async (url: string): Promise<unknown> => {
    const res = await request(url, { dispatcher, headers });
    // the bytes, then one decode and one JSON.parse (what body.text() + JSON.parse do, spelled out)
    const chunks: Buffer[] = [];
    for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString("utf8");
    if (res.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  return {
    list: async () => ((await getJSON(`${base}/pods`)) as { items: unknown[] }).items.length,
    listObject: () => getJSON(`${base}/pods`),
    get: () => getJSON(`${base}/configmaps/${t.name}`),
    watch: async (expected) => {
      const res = await request(`${base}/pods?watch=true`, { dispatcher, headers });
      if (res.statusCode !== 200) throw new Error(`watch: HTTP ${res.statusCode}`);
      res.body.setEncoding("utf8");
      let n = 0;
      let pending = "";
      const store = new Map<string, unknown>();
      for await (const chunk of res.body as AsyncIterable<string>) {
        const text = pending ? pending + chunk : chunk;
        let start = 0;
        let nl = text.indexOf("\n");
        while (nl !== -1) {
          const ev = JSON.parse(text.slice(start, nl)) as { type: string; object: unknown };
          if (ev.object) n++;
          if (t.keep) {
            const m = (ev.object as { metadata: { namespace: string; name: string } }).metadata;
            store.set(`${m.namespace}/${m.name}`, ev.object);
          }
          start = nl + 1;
          nl = text.indexOf("\n", start);
        }
        pending = start < text.length ? text.slice(start) : "";
      }
      if (n !== expected) throw new Error(`watch: got ${n} events, want ${expected}`);
      return n;
    },
  };
}

async function oursOps(t: Task): Promise<Ops> {
  const { clientset } = await loadOurs(t.kubeconfigPath);
  const pods = () => clientset.coreV1().pods(t.namespace);
  return {
    list: async () => (await pods().list()).items.length,
    listObject: () => pods().list(),
    get: () =>
      clientset
        .coreV1()
        .configMaps(t.namespace)
        .get(t.name ?? ""),
    watch: async (expected) => {
      const w = pods().watch();
      let n = 0;
      for await (const ev of w) {
        if (ev.object) n++;
        if (n === expected) {
          w.stop();
          break;
        }
      }
      if (n !== expected) throw new Error(`watch: got ${n} events, want ${expected}`);
      return n;
    },
  };
}

async function clientNodeOps(t: Task): Promise<Ops> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const watcher = new k8s.Watch(kc);
  return {
    list: async () => (await core.listNamespacedPod({ namespace: t.namespace })).items.length,
    listObject: () => core.listNamespacedPod({ namespace: t.namespace }),
    get: () => core.readNamespacedConfigMap({ name: t.name ?? "", namespace: t.namespace }),
    watch: (expected) =>
      new Promise<number>((resolve, reject) => {
        let n = 0;
        let done = false;
        let ctl: AbortController | undefined;
        const finish = (err?: unknown) => {
          if (done) return;
          done = true;
          ctl?.abort();
          if (err) reject(err);
          else if (n !== expected) reject(new Error(`watch: got ${n} events, want ${expected}`));
          else resolve(n);
        };
        watcher
          .watch(
            `/api/v1/namespaces/${t.namespace}/pods`,
            {},
            (_type: string, obj: unknown) => {
              if (obj) n++;
              if (n === expected) finish();
            },
            (err: unknown) => finish(err ?? undefined),
          )
          .then((c: AbortController) => {
            ctl = c;
            if (done) c.abort();
          }, finish);
      }),
  };
}

async function makeOps(t: Task): Promise<Ops> {
  if (t.client === "undici" || t.client === "baseline") return undiciOps(t);
  if (t.client === "ours") return oursOps(t);
  return clientNodeOps(t);
}

/** One client (and its connection pool) per server for the life of the process, as an application has. */
const opsCache = new Map<string, Promise<Ops>>();
function opsFor(t: Task): Promise<Ops> {
  const key = `${t.client} ${t.url} ${t.namespace}`;
  let ops = opsCache.get(key);
  if (!ops) {
    ops = makeOps(t);
    opsCache.set(key, ops);
  }
  return ops;
}

let parseBytes: { file: string; bytes: Buffer } | undefined;

async function timed(reps: number, warmup: number, fn: () => Promise<number>): Promise<ChildResult> {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let n = 0;
  for (let i = 0; i < warmup + reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    n = await fn();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i >= warmup) {
      ms.push(dt);
      cpuMs.push((c.user + c.system) / 1000);
    }
  }
  return { ms, cpuMs, n };
}

async function concurrentGets(ops: Ops, count: number, concurrency: number): Promise<number> {
  const per = Math.floor(count / concurrency);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let j = 0; j < per; j++) await ops.get();
    }),
  );
  return per * concurrency;
}

function forceGC(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("heap task needs node --expose-gc");
  gc();
  gc();
}

export async function runTask(t: Task): Promise<ChildResult> {
  if (t.kind === "parse") {
    const file = t.listFile ?? "";
    const bytes = parseBytes?.file === file ? parseBytes.bytes : readFileSync(file);
    parseBytes = { file, bytes };
    return timed(
      t.reps,
      t.warmup,
      async () => (JSON.parse(bytes.toString("utf8")) as { items: unknown[] }).items.length,
    );
  }
  const ops = await opsFor(t);
  switch (t.kind) {
    case "list":
      return timed(t.reps, t.warmup, () => ops.list());
    case "watch":
      return timed(t.reps, t.warmup, () => ops.watch(t.events ?? 0));
    case "get": {
      const conc = t.concurrency ?? 1;
      // warm-up in the same mode: opens the pool's connections and JIT-compiles the path
      for (let i = 0; i < t.warmup; i++) await concurrentGets(ops, t.warmupCount ?? t.count ?? 100, conc);
      return timed(t.reps, 0, () => concurrentGets(ops, t.count ?? 100, conc));
    }
    case "heap": {
      // warm the connection and every lazily loaded module on a small request first
      await ops.get();
      forceGC();
      const before = process.memoryUsage().heapUsed;
      const held = await ops.listObject();
      // let the event loop settle first: a client's last references to the response body (the
      // text, the chunks) are dropped a few ticks after the promise resolves
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
        forceGC();
      }
      const after = process.memoryUsage().heapUsed;
      (globalThis as { __held?: unknown }).__held = held;
      return { bytes: [after - before], n: 1 };
    }
  }
}

const errText = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  if (process.argv[2] === "--worker") {
    // a long-lived worker (child_process.fork): one task per message, one result per task; the
    // client, its connections and its JIT state live on between tasks
    process.on("message", (task: Task) => {
      runTask(task).then(
        (r) => process.send?.({ ok: true, result: r }),
        (err: unknown) => process.send?.({ ok: false, error: errText(err) }),
      );
    });
  } else {
    const task = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as Task;
    runTask(task).then(
      (r) => {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`${errText(err)}\n`);
        process.exit(1);
      },
    );
  }
}
