// P10: the controller toolkit. Workqueue throughput (add → get → done of distinct items, one producer,
// 1 and 8 workers) of @org/controller beside client-go's util/workqueue, with the floor of any async
// FIFO as the baseline: a bare array queue handing items to waiting workers, without dedupe, the
// processing set or metrics. Each sample runs in a fresh process (`node p10.js queue ...`), warmed
// in-process first, so no sample carries another's heap or JIT state.
// Reconcile throughput: the sample-controller program (packages/examples) on a real control plane
// from @org/testenv, from the first of 1,000 Foo creates until every Foo has its status; the
// baseline makes the same API writes directly (per Foo: create the Deployment, write the status,
// create the Synced event), with as many concurrent loops as the controller has workers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerContext } from "./footprint.js";
import type { Contender } from "./main.js";
import { importUntyped } from "./ours.js";

const self = fileURLToPath(import.meta.url);
const examplesDist = join(dirname(self), "..", "..", "examples", "dist", "sample-controller");
const FOOS = 1000;
const RECONCILE_WORKERS = 2;
const ITEMS = 200_000;
/** Key space of the churn cases: a controller with 1,000 objects. */
const KEYS = 1000;
const WARMUP = 2;

type Samples = Awaited<ReturnType<Contender["sample"]>>;
export interface P10Context extends Pick<RunnerContext, "interleaved" | "setRatios" | "find" | "log"> {
  goBin: string | undefined;
  goErr: string;
  goLabel: string;
}

function runJson(cmd: string, args: string[]): Promise<Samples> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split("\n")[0] || err.message));
      else {
        const r = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
          ms: number[];
          cpuMs?: number[];
          n: number;
        };
        resolve({ samples: r.ms, n: r.n, cpu: r.cpuMs });
      }
    });
  });
}

export async function runP10(ctx: P10Context): Promise<void> {
  await runQueue(ctx);
  await runReconcile(ctx);
}

async function runQueue(ctx: P10Context): Promise<void> {
  for (const keys of [0, KEYS]) {
    for (const workers of [1, 8]) {
      const what = keys === 0 ? `${ITEMS} distinct items` : `${ITEMS} cycles over ${KEYS} keys`;
      const c = `workqueue add → get → done, ${what}, ${workers} worker${workers > 1 ? "s" : ""}`;
      const args = [String(workers), String(ITEMS), String(WARMUP), String(keys)];
      const node = (impl: string) => () => runJson(process.execPath, [self, "queue", impl, ...args]);
      const base = "baseline: array FIFO + promise hand-off";
      await ctx.interleaved({ scenario: "P10", case: c, unit: "ms" }, [
        { client: base, sample: node("baseline") },
        { client: "ours", sample: node("ours") },
        {
          client: ctx.goLabel,
          sample: () => {
            if (!ctx.goBin) throw new Error(ctx.goErr);
            const goArgs = [
              "workqueue",
              "-count",
              String(ITEMS),
              "-workers",
              String(workers),
              "-keys",
              String(keys),
            ];
            return runJson(ctx.goBin, [...goArgs, "-reps", "1", "-warmup", String(WARMUP)]);
          },
        },
      ]);
      ctx.setRatios("P10", c, base);
      const ours = ctx.find("P10", c, "ours");
      const go = ctx.find("P10", c, ctx.goLabel);
      if (ours) {
        ours.target = "≥0.5× client-go's workqueue throughput";
        if (ours.median !== null && go?.median) {
          const x = go.median / ours.median;
          ours.met = x >= 0.5;
          ours.note = `${x.toFixed(2)}× client-go's throughput`;
        } else ours.met = ours.median !== null && go?.median === null ? undefined : false;
      }
    }
  }
}

type Json = Record<string, unknown>;
interface Writable {
  create(obj: Json, opts?: Json): Promise<Json>;
  update(obj: Json, opts?: Json, ...subresources: string[]): Promise<Json>;
  list(): Promise<{ items: Json[] }>;
}
interface Clients {
  dynamic: { resource(gvr: Json): { namespace(ns: string): Writable } };
  namespaces: Writable;
  deployments(ns: string): Writable;
  events(ns: string): Writable;
}
interface SampleModules {
  fooResource: Json;
  installFooCRD(dynamic: unknown): Promise<void>;
  newDeployment(foo: Json): Json;
}

async function clientsFor(kubeconfigPath: string): Promise<Clients> {
  const rest = (await importUntyped("@org/rest")) as {
    buildConfigFromFlags(m: string, p: string): Promise<Json>;
  };
  const cs = (await importUntyped("@org/clientset")) as {
    Clientset: { forConfig(c: Json): { coreV1(): Json; appsV1(): Json; eventsV1(): Json } };
    DynamicClient: { forConfig(c: Json): Clients["dynamic"] };
  };
  const config = await rest.buildConfigFromFlags("", kubeconfigPath);
  config.qps = 0;
  config.rateLimiter = null;
  const typed = cs.Clientset.forConfig(config);
  const core = typed.coreV1() as { namespaces(): Writable };
  const apps = typed.appsV1() as { deployments(ns: string): Writable };
  const ev = typed.eventsV1() as { events(ns: string): Writable };
  return {
    dynamic: cs.DynamicClient.forConfig(config),
    namespaces: core.namespaces(),
    deployments: (ns) => apps.deployments(ns),
    events: (ns) => ev.events(ns),
  };
}

/** Runs `fn` over 0..n-1 with at most `conc` at a time. */
async function pool(n: number, conc: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const fooName = (i: number) => `foo-${i}`;
const fooObject = (i: number): Json => ({
  apiVersion: "samplecontroller.k8s.io/v1alpha1",
  kind: "Foo",
  metadata: { name: fooName(i) },
  spec: { deploymentName: `${fooName(i)}-deploy`, replicas: 0 },
});

async function runReconcile(ctx: P10Context): Promise<void> {
  const c = `sample-controller: ${FOOS} Foos to synced status, ${RECONCILE_WORKERS} workers (real API server)`;
  const base = { scenario: "P10", case: c, unit: "s" };
  const contenders = ["baseline: the same writes, made directly", "ours"];
  let cp: { kubeconfigPath: string; stop(): Promise<void> } | undefined;
  try {
    const te = (await importUntyped("@org/testenv")) as {
      startControlPlane(): Promise<{ kubeconfigPath: string; stop(): Promise<void> }>;
    };
    const sample = {
      ...((await import(join(examplesDist, "types.js"))) as Omit<SampleModules, "newDeployment">),
      ...((await import(join(examplesDist, "controller.js"))) as Pick<SampleModules, "newDeployment">),
    };
    cp = await te.startControlPlane();
    const kubeconfig = cp.kubeconfigPath;
    const k = await clientsFor(kubeconfig);
    await sample.installFooCRD(k.dynamic);
    let round = 0;
    const freshNamespace = async () => {
      const ns = `p10-${round++}`;
      await k.namespaces.create({ metadata: { name: ns } });
      return ns;
    };
    const allSynced = async (ns: string) => {
      const foos = k.dynamic.resource(sample.fooResource).namespace(ns);
      for (;;) {
        const items = (await foos.list()).items;
        const done = items.filter(
          (f) => (f.status as { availableReplicas?: number } | undefined)?.availableReplicas === 0,
        );
        if (done.length === FOOS) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const createFoos = (ns: string, created: Promise<Json>[]) => {
      const foos = k.dynamic.resource(sample.fooResource).namespace(ns);
      const resolvers: ((o: Json) => void)[] = [];
      for (let i = 0; i < FOOS; i++) created.push(new Promise((r) => resolvers.push(r)));
      return pool(FOOS, 16, async (i) => resolvers[i]?.(await foos.create(fooObject(i))));
    };
    await ctx.interleaved(base, [
      {
        client: contenders[0] as string,
        sample: async () => {
          const ns = await freshNamespace();
          const foos = k.dynamic.resource(sample.fooResource).namespace(ns);
          const t0 = performance.now();
          const created: Promise<Json>[] = [];
          const creating = createFoos(ns, created);
          await pool(FOOS, RECONCILE_WORKERS, async (i) => {
            const foo = (await created[i]) as Json & { metadata: { name: string; uid: string } };
            await k.deployments(ns).create(sample.newDeployment(foo), { fieldManager: "baseline" });
            await foos.update(
              { ...foo, status: { availableReplicas: 0 } },
              { fieldManager: "baseline" },
              "status",
            );
            const now = new Date().toISOString().replace("Z", "000Z");
            await k.events(ns).create({
              metadata: { name: `${foo.metadata.name}.${i.toString(16)}` },
              eventTime: now,
              reportingController: "baseline",
              reportingInstance: "baseline",
              action: "Sync",
              reason: "Synced",
              type: "Normal",
              note: "Foo synced successfully",
              regarding: {
                apiVersion: "samplecontroller.k8s.io/v1alpha1",
                kind: "Foo",
                name: foo.metadata.name,
                namespace: ns,
                uid: foo.metadata.uid,
              },
            });
          });
          await creating;
          return { samples: [(performance.now() - t0) / 1000], n: FOOS };
        },
      },
      {
        client: "ours",
        sample: async () => {
          const ns = await freshNamespace();
          const proc = startSampleController(kubeconfig, ns);
          try {
            await waitForLine(proc, /starting workers/);
            const t0 = performance.now();
            await createFoos(ns, []);
            await allSynced(ns);
            return { samples: [(performance.now() - t0) / 1000], n: FOOS };
          } finally {
            const exited = new Promise((r) => proc.once("exit", r));
            proc.kill("SIGTERM");
            await exited;
          }
        },
      },
    ]);
    ctx.setRatios("P10", c, contenders[0] as string);
    const ours = ctx.find("P10", c, "ours");
    if (ours)
      ours.note = "Foos per second in the per-second column; client-side rate limit off (--kube-api-qps 0)";
  } catch (e) {
    if (!ctx.find("P10", c, "ours")) {
      ctx.log(`P10 reconcile unavailable: ${e instanceof Error ? e.message : String(e)}`);
      await ctx.interleaved(
        base,
        contenders.map((client) => ({
          client,
          sample: () => Promise.reject(e),
        })),
      );
    }
  } finally {
    await cp?.stop();
  }
}

function startSampleController(kubeconfig: string, ns: string): ChildProcess {
  const args = [
    "--kubeconfig",
    kubeconfig,
    "--namespace",
    ns,
    "--identity",
    "bench",
    "--workers",
    String(RECONCILE_WORKERS),
  ];
  args.push("--kube-api-qps", "0");
  return spawn(process.execPath, [join(examplesDist, "main.js"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function waitForLine(proc: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (c: Buffer) => {
      out += c.toString();
      if (re.test(out)) {
        proc.stdout?.off("data", onData);
        resolve();
      }
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) =>
      reject(new Error(`sample-controller exited (${code}) before ${re}: ${out.slice(-300)}`)),
    );
  });
}

// --- the measured process: node p10.js queue <ours|baseline> <workers> <items> <warmup> ---

interface QueueLike {
  add(item: string): void;
  get(): Promise<{ item: string | undefined; shutdown: boolean }>;
  done(item: string): void;
  shutDown(): void;
}

/** The floor: an array FIFO that hands items to waiting workers, nothing else. */
class ArrayQueue implements QueueLike {
  #items: string[] = [];
  #head = 0;
  #waiters: ((r: { item: string | undefined; shutdown: boolean }) => void)[] = [];
  #closed = false;
  add(item: string): void {
    const w = this.#waiters.shift();
    if (w) w({ item, shutdown: false });
    else this.#items.push(item);
  }
  get(): Promise<{ item: string | undefined; shutdown: boolean }> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head++];
      return Promise.resolve({ item, shutdown: false });
    }
    if (this.#closed) return Promise.resolve({ item: undefined, shutdown: true });
    return new Promise((r) => this.#waiters.push(r));
  }
  done(_item: string): void {}
  shutDown(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w({ item: undefined, shutdown: true });
  }
}

async function queueRun(
  impl: string,
  workers: number,
  count: number,
  warmup: number,
  keys: number,
): Promise<void> {
  // keys = 0: `count` distinct items; keys > 0: that many keys, each added again after done until
  // `count` are done (the churn a controller with `keys` objects sees).
  const items = Array.from({ length: keys || count }, (_, i) => `ns/item-${i}`);
  let make: () => QueueLike;
  if (impl === "ours") {
    const specifier = "@org/controller/workqueue";
    const mod = (await import(specifier)) as { newTyped?: () => QueueLike };
    if (typeof mod.newTyped !== "function")
      throw new Error("@org/controller/workqueue does not export newTyped");
    make = mod.newTyped;
  } else make = () => new ArrayQueue();
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < warmup + 1; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const q = make();
    let processed = 0;
    const worker = async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        const item = r.item as string;
        q.done(item);
        processed++;
        if (keys > 0) {
          if (processed <= count - keys) q.add(item);
          else if (processed === count) q.shutDown();
        }
      }
    };
    const loops = Array.from({ length: workers }, worker);
    for (const it of items) q.add(it);
    if (keys === 0) q.shutDown();
    await Promise.all(loops);
    if (processed !== count) throw new Error(`${impl}: processed ${processed} of ${count} items`);
    if (i >= warmup) {
      ms.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, n: count })}\n`);
}

if (process.argv[1] === self && process.argv[2] === "queue") {
  const [impl = "ours", w = "1", n = String(ITEMS), warm = String(WARMUP), k = "0"] = process.argv.slice(3);
  queueRun(impl, Number(w), Number(n), Number(warm), Number(k)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
