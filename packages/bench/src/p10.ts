// P10: the controller toolkit. Workqueue throughput (add → get → done of distinct items, one producer,
// 1 and 8 workers) of @org/controller beside client-go's util/workqueue, with the floor of any async
// FIFO as the baseline: a bare array queue handing items to waiting workers, without dedupe, the
// processing set or metrics. Each sample runs in a fresh process (`node p10.js queue ...`), warmed
// in-process first, so no sample carries another's heap or JIT state.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Row } from "./report.js";

const self = fileURLToPath(import.meta.url);
const ITEMS = 200_000;
const WARMUP = 2;

type Samples = { samples: number[]; n?: number };
interface Contender {
  client: string;
  start?(): Promise<void>;
  sample(): Promise<Samples>;
  stop?(): void;
}
export interface P10Context {
  goBin: string | undefined;
  goErr: string;
  goLabel: string;
  interleaved(
    base: Omit<Row, "median" | "samples" | "ratio" | "client">,
    contenders: Contender[],
  ): Promise<void>;
  setRatios(scenario: string, caseName: string, baselineClient: string): void;
  find(scenario: string, caseName: string, client: string): Row | undefined;
  log(s: string): void;
}

function runJson(cmd: string, args: string[]): Promise<Samples> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split("\n")[0] || err.message));
      else {
        const r = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { ms: number[]; n: number };
        resolve({ samples: r.ms, n: r.n });
      }
    });
  });
}

export async function runP10(ctx: P10Context): Promise<void> {
  for (const workers of [1, 8]) {
    const c = `workqueue add → get → done, ${ITEMS} items, ${workers} worker${workers > 1 ? "s" : ""}`;
    const node = (impl: string) => () =>
      runJson(process.execPath, [self, "queue", impl, String(workers), String(ITEMS), String(WARMUP)]);
    const base = "baseline: array FIFO + promise hand-off";
    await ctx.interleaved({ scenario: "P10", case: c, unit: "ms" }, [
      { client: base, sample: node("baseline") },
      { client: "ours", sample: node("ours") },
      {
        client: ctx.goLabel,
        sample: () => {
          if (!ctx.goBin) throw new Error(ctx.goErr);
          const args = ["workqueue", "-count", String(ITEMS), "-workers", String(workers)];
          return runJson(ctx.goBin, [...args, "-reps", "1", "-warmup", String(WARMUP)]);
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

async function queueRun(impl: string, workers: number, count: number, warmup: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => `ns/item-${i}`);
  let make: () => QueueLike;
  if (impl === "ours") {
    const specifier = "@org/controller/workqueue";
    const mod = (await import(specifier)) as { newTyped?: () => QueueLike };
    if (typeof mod.newTyped !== "function")
      throw new Error("@org/controller/workqueue does not export newTyped");
    make = mod.newTyped;
  } else make = () => new ArrayQueue();
  const ms: number[] = [];
  for (let i = 0; i < warmup + 1; i++) {
    const t0 = performance.now();
    const q = make();
    let processed = 0;
    const worker = async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        processed++;
        q.done(r.item as string);
      }
    };
    const loops = Array.from({ length: workers }, worker);
    for (const it of items) q.add(it);
    q.shutDown();
    await Promise.all(loops);
    if (processed !== count) throw new Error(`${impl}: processed ${processed} of ${count} items`);
    if (i >= warmup) ms.push(performance.now() - t0);
  }
  process.stdout.write(`${JSON.stringify({ ms, n: count })}\n`);
}

if (process.argv[1] === self && process.argv[2] === "queue") {
  const [impl = "ours", w = "1", n = String(ITEMS), warm = String(WARMUP)] = process.argv.slice(3);
  queueRun(impl, Number(w), Number(n), Number(warm)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
