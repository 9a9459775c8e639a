// `npm run bench`: runs P1–P10 and P12, each with its baseline, our client and the peers (client-node,
// client-go), prints a markdown table and writes results/latest.json and results/latest.md.
// Options: --only P1,P3 (subset), --reps N (default 5, never fewer than 5 for a reported run).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ChildResult, Task, TlsAuth } from "./child.js";
import { runCodegen } from "./codegen.js";
import { configMapJSON, podListJSON, watchStream } from "./fixtures.js";
import { runFootprint } from "./footprint.js";
import { ensureGoBinary, goToProto } from "./gopeer.js";
import { runInformerBench } from "./informers.js";
import { runP10 } from "./p10.js";
import { runP11 } from "./p11.js";
import { runP12 } from "./p12.js";
import { startRealServer } from "./real.js";
import { markdownTable, type Results, type Row } from "./report.js";
import { startServer } from "./server.js";
import { MB, median } from "./stats.js";
import { GoWorker, NodeWorker } from "./workers.js";

const here = dirname(fileURLToPath(import.meta.url));
export const benchDir = join(here, "..");
const childJs = join(here, "child.js");

const SCENARIOS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12"];
const usage = `Usage: npm run bench -- [--only P1,P3,...] [--reps N] [--keep]
   or: node packages/bench/dist/main.js [options] (after a build)

  --only <list>  scenarios to run, comma-separated (default: all of ${SCENARIOS.join(",")})
  --reps <n>     repetitions per figure, a whole number from 1 (default 5)
  --keep         keep the run's temporary directory
  -h, --help     this text

Results go to packages/bench/results/latest.json and latest.md (see packages/bench/README.md).`;

/** The options, or exit 2 with what was wrong and the usage (not a stack trace). */
function options(): { reps: number; only: Set<string>; keep: boolean } {
  const fail = (why: string): never => {
    process.stderr.write(`bench: ${why}\n\n${usage}\n`);
    process.exit(2);
  };
  let values: { only?: string; reps?: string; keep?: boolean; help?: boolean } = {};
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: "string" },
        reps: { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const reps = Number(values.reps ?? 5);
  if (!Number.isInteger(reps) || reps < 1) fail(`--reps must be a whole number from 1 (got ${values.reps})`);
  const only = new Set(
    (values.only ?? SCENARIOS.join(","))
      .toUpperCase()
      .split(",")
      .map((x) => x.trim()),
  );
  const unknown = [...only].filter((x) => !SCENARIOS.includes(x));
  if (unknown.length > 0)
    fail(`unknown scenario ${unknown.join(", ")} in --only (there are ${SCENARIOS.join(", ")})`);
  return { reps, only, keep: values.keep ?? false };
}
const { reps: REPS, only, keep } = options();
const log = (s: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
};

const POD_COUNT = 5000;
const HEAP_POD_COUNT = 10000;
const WATCH_EVENTS = 50000;
const NS = "bench";
const NS_10K = "bench-10k";
const CM = "bench-cm";

const CN = "client-node 1.4.0";
const GO = "client-go 0.36.3";

const rows: Row[] = [];
const started = Date.now();
/** 1-minute load averages seen during the run: sampled every 5 s and at the edges of every case. */
const loadSeen: number[] = [];
const sampleLoad = (): number => loadSeen.push(loadavg()[0] ?? 0) - 1;
sampleLoad();
setInterval(sampleLoad, 5000).unref();
/** [min, max] of the load seen since index `since` (and now). */
function loadSince(since: number): [number, number] {
  sampleLoad();
  const xs = loadSeen.slice(since);
  return [Math.min(...xs), Math.max(...xs)];
}
const results: Results = {
  startedAt: new Date(started).toISOString(),
  machine: { node: process.version, cpus: cpus().length, platform: `${process.platform}-${process.arch}` },
  config: { reps: REPS, warmup: 1, pods: POD_COUNT, heapPods: HEAP_POD_COUNT, watchEvents: WATCH_EVENTS },
  rows,
};

function errNote(e: unknown): string {
  // esbuild's BuildFailure carries its messages in .errors
  const first = (e as { errors?: { text?: string }[] }).errors?.[0]?.text;
  const msg = first ?? (e instanceof Error ? e.message : String(e));
  return (
    msg
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.slice(0, 200) ?? "failed"
  );
}

/** Adds a row; a failed measurement becomes a row with median null and the reason. */
export async function measure(
  base: Omit<Row, "median" | "samples" | "ratio">,
  fn: () => Promise<Samples>,
  loadFrom = sampleLoad(),
): Promise<Row> {
  let row: Row;
  try {
    const { samples, n, cpu } = await fn();
    const m = median(samples);
    row = { ...base, median: m, samples, ratio: null, load: loadSince(loadFrom) };
    if (cpu?.length) row.cpu = cpu;
    if (n !== undefined && base.perSecond === undefined && (base.unit === "ms" || base.unit === "s")) {
      row.perSecond = n / (base.unit === "ms" ? m / 1000 : m);
    }
  } catch (e) {
    row = { ...base, median: null, samples: [], ratio: null, note: errNote(e) };
    log(`  ${base.scenario} ${base.case} ${base.client}: ${row.note}`);
  }
  if (row.median !== null && !Number.isNaN(row.median))
    log(`  ${row.scenario} ${row.case} ${row.client}: ${row.median.toFixed(2)} ${row.unit}`);
  rows.push(row);
  return row;
}

/** Wall-time (or other unit) samples, the work per sample, and the client's CPU ms per sample. */
type Samples = { samples: number[]; n?: number; cpu?: number[] };

/** One client in a case: started (and warmed) once, sampled once per round, stopped at the end. */
export interface Contender {
  client: string;
  /**
   * Rounds this client is sampled in, when not the case's: the two clients a target compares can be
   * sampled more often than slow peers. They come first, so each of their rounds is a back-to-back pair.
   */
  rounds?: number;
  start?(): Promise<void>;
  sample(): Promise<Samples>;
  stop?(): void;
}

/**
 * Starts every contender, then runs `rounds` rounds (REPS unless told); each round samples every
 * client once, in order, so that load from elsewhere on the machine falls on all clients alike. With
 * `rotate`, round r starts at the r-th client (the order turns round by round): where one client's
 * sample leaves work behind on a shared server (its garbage collection after a burst of requests),
 * the next one in the order does not always pay for it. A client that fails is dropped and reported
 * with the reason.
 */
export async function interleaved(
  base: Omit<Row, "median" | "samples" | "ratio" | "client">,
  contenders: Contender[],
  rounds = REPS,
  rotate = false,
): Promise<void> {
  const loadFrom = sampleLoad();
  const got = new Map<string, { samples: number[]; n?: number; cpu: number[]; err?: unknown }>(
    contenders.map((c) => [c.client, { samples: [], cpu: [] }]),
  );
  try {
    for (const c of contenders) {
      try {
        await c.start?.();
      } catch (e) {
        (got.get(c.client) ?? { samples: [], cpu: [] }).err = e;
      }
    }
    const most = Math.max(...contenders.map((c) => c.rounds ?? rounds));
    for (let round = 0; round < most; round++) {
      const shift = rotate ? round % contenders.length : 0;
      for (const c of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        const g = got.get(c.client);
        if (!g || g.err !== undefined || round >= (c.rounds ?? rounds)) continue;
        try {
          const r = await c.sample();
          g.samples.push(...r.samples);
          g.cpu.push(...(r.cpu ?? []));
          g.n = r.n;
        } catch (e) {
          g.err = e;
        }
      }
    }
  } finally {
    for (const c of contenders) c.stop?.();
  }
  for (const c of contenders) {
    const g = got.get(c.client) ?? { samples: [], cpu: [] };
    await measure(
      { ...base, client: c.client },
      async () => {
        if (g.err !== undefined) throw g.err;
        return { samples: g.samples, n: g.n, cpu: g.cpu };
      },
      loadFrom,
    );
  }
}

/** A TypeScript client in a long-lived worker; `t.warmup` untimed repetitions at start. */
function nodeContender(client: string, t: Task): Contender {
  let w: NodeWorker | undefined;
  return {
    client,
    start: async () => {
      w = new NodeWorker(childJs, benchDir);
      await w.run({ ...t, reps: 0 });
    },
    sample: async () => {
      if (!w) throw new Error("worker not started");
      return ms(await w.run({ ...t, reps: 1, warmup: 0 }));
    },
    stop: () => w?.close(),
  };
}

let goBin: string | undefined;
let goErr = "client-go peer not built";

/** client-go in a long-lived `bench-go serve` process; `warmup` untimed repetitions at start. */
function goContender(client: string, args: string[], warmup: number): Contender {
  let w: GoWorker | undefined;
  return {
    client,
    start: async () => {
      if (!goBin) throw new Error(goErr);
      w = new GoWorker(goBin);
      await w.run([...args, "-reps", "0", "-warmup", String(warmup)]);
    },
    sample: async () => {
      if (!w) throw new Error("worker not started");
      const r = await w.run([...args, "-reps", "1", "-warmup", "0"]);
      return { samples: r.ms, n: r.n, cpu: r.cpuMs };
    },
    stop: () => w?.close(),
  };
}

export function setRatios(scenario: string, caseName: string, baselineClient: string): void {
  const group = rows.filter((r) => r.scenario === scenario && r.case === caseName);
  const baseRow = group.find((r) => r.client === baselineClient);
  const base = baseRow?.median;
  const baseCpu = baseRow?.cpu?.length ? median(baseRow.cpu) : undefined;
  for (const r of group) {
    r.ratio = base && r.median !== null ? r.median / base : null;
    if (baseCpu && r.cpu?.length) r.cpuRatio = median(r.cpu) / baseCpu;
    if (baseRow && r !== baseRow) {
      const paired = pairedTo(r, baseRow);
      if (paired) r.paired = paired;
    }
  }
}

/** The median (min–max) of `row`'s samples over `other`'s, round by round. */
function pairedTo(row: Row | undefined, other: Row | undefined): Row["paired"] {
  if (!row || !other) return undefined;
  const pairs = row.samples.slice(0, other.samples.length).map((x, i) => x / other.samples[i]!);
  return pairs.length > 0
    ? { median: median(pairs), min: Math.min(...pairs), max: Math.max(...pairs) }
    : undefined;
}

const find = (scenario: string, caseName: string, client: string): Row | undefined =>
  rows.find((r) => r.scenario === scenario && r.case === caseName && r.client === client);

/** Sets target text and met on our row: every check must hold (a check on a missing peer is skipped). */
export function target(
  scenario: string,
  caseName: string,
  text: string,
  checks: ((ours: number) => boolean | undefined)[],
): void {
  const r = find(scenario, caseName, "ours");
  if (!r) return;
  r.target = text;
  if (r.median === null) {
    r.met = false;
    return;
  }
  const m = r.median;
  r.met = checks.map((c) => c(m)).every((x) => x !== false);
}
const med = (s: string, c: string, client: string): number | undefined =>
  find(s, c, client)?.median ?? undefined;

function runChild(task: Task, exposeGc = false): Promise<ChildResult> {
  const file = join(tmp, `task-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(task));
  const args = [...(exposeGc ? ["--expose-gc"] : []), "--max-old-space-size=4096", childJs, file];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: benchDir, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      rmSync(file, { force: true });
      // the child prints the error's stack; its first line is the message
      if (err)
        reject(new Error((stderr.trim().split("\n")[0] ?? "").replace(/^\w*Error: /, "") || err.message));
      else resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as ChildResult);
    });
  });
}
const ms = (r: ChildResult): Samples => ({ samples: r.ms ?? [], n: r.n, cpu: r.cpuMs });

const tmp = mkdtempSync(join(tmpdir(), "org-bench-"));

async function main(): Promise<void> {
  log(`reps=${REPS} (median of ${REPS}, 1 warm-up), scenarios ${[...only].join(",")}; scratch ${tmp}`);
  try {
    goBin = await ensureGoBinary(log);
  } catch (e) {
    goErr = errNote(e);
    log(`client-go peer unavailable: ${goErr}`);
  }

  const needServer = ["P1", "P2", "P3", "P4"].some((s) => only.has(s));
  if (needServer) {
    log("making fixtures");
    const list5k = podListJSON(POD_COUNT, NS);
    const list10k = only.has("P4") ? podListJSON(HEAP_POD_COUNT, NS_10K) : Buffer.alloc(0);
    const watch = only.has("P2") ? watchStream(WATCH_EVENTS, POD_COUNT, NS) : Buffer.alloc(0);
    const listFile = join(tmp, "pods-5000.json");
    writeFileSync(listFile, list5k);
    const protoLists = new Map<string, Buffer>();
    if (goBin && only.has("P1")) {
      try {
        protoLists.set(NS, await goToProto(goBin, list5k));
      } catch (e) {
        log(`protobuf fixture failed: ${errNote(e)}`);
      }
    }
    const podBytes = list5k.length / POD_COUNT;
    results.config.fixtures = {
      listBytes: list5k.length,
      avgPodBytes: Math.round(podBytes),
      protoListBytes: protoLists.get(NS)?.length,
      heapListBytes: list10k.length,
      watchBytes: watch.length,
    };
    log(
      `fixtures: list ${(list5k.length / MB).toFixed(1)} MB (${Math.round(podBytes)} B/pod), watch ${(watch.length / MB).toFixed(0)} MB`,
    );
    const server = await startServer(tmp, {
      lists: new Map([
        [NS, list5k],
        [NS_10K, list10k],
      ]),
      protoLists,
      watches: new Map([[NS, watch]]),
      configMap: configMapJSON(NS, CM),
    });
    const auth: TlsAuth = { ca: server.caPem, token: server.token };
    const task = (t: Partial<Task> & Pick<Task, "kind" | "client">): Task => ({
      url: server.url,
      kubeconfigPath: server.kubeconfigPath,
      auth,
      namespace: NS,
      name: CM,
      reps: REPS,
      warmup: 1,
      ...t,
    });
    const kc = ["-kubeconfig", server.kubeconfigPath];
    try {
      if (only.has("P1")) {
        log(`P1: LIST of ${POD_COUNT} pods`);
        const c = `list ${POD_COUNT} pods`;
        const one = { reps: 1, warmup: 1 };
        await interleaved({ scenario: "P1", case: c, unit: "ms" }, [
          nodeContender(
            "baseline: JSON.parse",
            task({ ...one, kind: "parse", client: "baseline", listFile }),
          ),
          nodeContender("undici GET + JSON.parse", task({ ...one, kind: "list", client: "undici" })),
          nodeContender("ours", task({ ...one, kind: "list", client: "ours" })),
          nodeContender(CN, task({ ...one, kind: "list", client: "client-node" })),
          goContender(`${GO} JSON`, ["list", ...kc, "-namespace", NS], 1),
          goContender(`${GO} protobuf`, ["list", ...kc, "-namespace", NS, "-proto"], 1),
        ]);
        setRatios("P1", c, "baseline: JSON.parse");
        const transport = find("P1", c, "undici GET + JSON.parse");
        if (transport) transport.note = "transport floor: HTTPS transfer of the same bytes + JSON.parse";
        target("P1", c, "≤1.15× JSON.parse; ≥2× faster than client-node; faster than client-go JSON", [
          (m) => m <= 1.15 * (med("P1", c, "baseline: JSON.parse") ?? 0),
          (m) => {
            const x = med("P1", c, CN);
            return x === undefined ? undefined : m * 2 <= x;
          },
          (m) => {
            const x = med("P1", c, `${GO} JSON`);
            return x === undefined ? undefined : m < x;
          },
        ]);
        const ours = find("P1", c, "ours");
        if (ours?.median && transport?.median)
          ours.note = `${(ours.median / transport.median).toFixed(2)}× the transport floor`;
      }
      if (only.has("P2")) {
        log(`P2: watch stream of ${WATCH_EVENTS} events`);
        const c = `watch ${WATCH_EVENTS} events`;
        // no warm-up stream: 50,000 events warm every JIT tier within the first stream itself
        const w = { kind: "watch" as const, events: WATCH_EVENTS, reps: 1, warmup: 0 };
        // Round to round, the ratio to the baseline moves by ±20% at load 1 while the target's margin
        // is 5%: the pair is sampled three times as often as the peers, and judged by its paired ratio.
        const pair = { rounds: 3 * REPS };
        await interleaved({ scenario: "P2", case: c, unit: "ms" }, [
          {
            ...nodeContender("baseline: undici + split + JSON.parse", task({ ...w, client: "baseline" })),
            ...pair,
          },
          { ...nodeContender("ours", task({ ...w, client: "ours" })), ...pair },
          nodeContender(CN, task({ ...w, client: "client-node" })),
          goContender(`${GO} JSON`, ["watch", ...kc, "-namespace", NS], 0),
        ]);
        setRatios("P2", c, "baseline: undici + split + JSON.parse");
        // client-node is sampled a third as often as ours, so their wall medians come from different
        // minutes of a loaded machine: the two are compared by CPU time per stream, which load moves less.
        target(
          "P2",
          c,
          "≥0.95× baseline throughput (paired ratio ≤1.053× its time); ≥ client-node (CPU time)",
          [
            () => {
              const p = find("P2", c, "ours")?.paired;
              return p === undefined ? false : p.median <= 1 / 0.95;
            },
            (m) => {
              const oursCpu = find("P2", c, "ours")?.cpu;
              const peerCpu = find("P2", c, CN)?.cpu;
              if (oursCpu?.length && peerCpu?.length) return median(oursCpu) <= median(peerCpu);
              const x = med("P2", c, CN);
              return x === undefined ? undefined : m <= x;
            },
          ],
        );
      }
      if (only.has("P3")) {
        log("P3: GET ConfigMap against the bench's static HTTPS server");
        // 1,000 sequential GETs a sample: with 300 (0.1 s) two runs gave opposite verdicts
        await p3("static server", task, kc, 1000, 1600);
      }
      if (only.has("P4")) {
        log(`P4: heap held by a ${HEAP_POD_COUNT}-pod list`);
        const c = `heap of ${HEAP_POD_COUNT}-pod list`;
        const heap = async (client: Task["client"]) => {
          const r = await runChild(task({ kind: "heap", client, namespace: NS_10K }), true);
          return { samples: [(r.bytes?.[0] ?? 0) / MB] };
        };
        // a fresh process per sample: the heap figure must not carry anything from a previous list
        await interleaved({ scenario: "P4", case: c, unit: "MB" }, [
          { client: "baseline: plain JSON.parse objects", sample: () => heap("baseline") },
          { client: "ours", sample: () => heap("ours") },
          { client: CN, sample: () => heap("client-node") },
        ]);
        setRatios("P4", c, "baseline: plain JSON.parse objects");
        target("P4", c, "≤1.1× plain parsed objects", [
          (m) => m <= 1.1 * (med("P4", c, "baseline: plain JSON.parse objects") ?? 0),
        ]);
      }
    } finally {
      await server.close();
    }
    if (only.has("P3")) {
      log("P3: GET ConfigMap against the real API server of @org/testenv");
      let real: Awaited<ReturnType<typeof startRealServer>> | undefined;
      try {
        real = await startRealServer(NS, CM, log);
        const r = real;
        const rtask = (t: Partial<Task> & Pick<Task, "kind" | "client">): Task => ({
          url: r.url,
          kubeconfigPath: r.kubeconfigPath,
          auth: r.auth,
          namespace: NS,
          name: CM,
          reps: REPS,
          warmup: 1,
          ...t,
        });
        const rkc = ["-kubeconfig", r.kubeconfigPath];
        await p3("real API server", rtask, rkc, 200, 800, true);
      } catch (e) {
        for (const client of ["baseline: raw undici", H2, "ours", CN, GO]) {
          rows.push({
            scenario: "P3",
            case: "real API server",
            client,
            unit: "ms",
            median: null,
            samples: [],
            ratio: null,
            note: errNote(e),
          });
        }
        log(`P3 real API server unavailable: ${errNote(e)}`);
      } finally {
        await real?.stop();
      }
    }
  }
  if (only.has("P5")) {
    log("P5: codegen of each spec snapshot");
    await runCodegen({ reps: REPS, measure, log, tmp });
  }
  if (only.has("P6") || only.has("P7")) {
    log("P6/P7: footprint and type-check of a minimal 'list pods' app");
    await runFootprint({ reps: REPS, measure, setRatios, target, med, log, tmp, only });
  }
  if (only.has("P8") || only.has("P9")) {
    await runInformerBench({
      goBin,
      goErr,
      goLabel: GO,
      clientNodeLabel: CN,
      reps: REPS,
      tmp,
      only,
      interleaved,
      setRatios,
      target,
      med,
      find,
      log,
    });
  }
  if (only.has("P10")) {
    log("P10: controller toolkit (workqueue throughput)");
    await runP10({ goBin, goErr, goLabel: GO, interleaved, setRatios, find, log });
  }
  if (only.has("P11")) {
    log("P11: exec and port-forward throughput through the node agent, beside kubectl");
    await runP11({ interleaved, setRatios, find, log });
  }
  if (only.has("P12")) {
    log("P12: CRD codegen of a ~3 MB CRD (generate, type-check)");
    await runP12({ reps: REPS, measure, log });
  }
}

const H2 = "raw undici, HTTP/2 (allowH2)";
/**
 * GETs each client makes before its first timed sample of P3, in the case's mode. V8 takes thousands
 * of requests to settle: ours took 48 ms of CPU for the first 200 GETs against the real API server,
 * 20 ms after 2,400 and 17 ms from 3,800 on; with a warm-up of 20, half of the timed rounds fell in
 * that drift (issue 19's spread). client-go needs none but gets the same.
 */
const WARMUP_GETS = 4000;
type TaskFn = (t: Partial<Task> & Pick<Task, "kind" | "client">) => Task;
async function p3(
  server: string,
  task: TaskFn,
  kc: string[],
  seqCount: number,
  concCount: number,
  h2 = false,
): Promise<void> {
  for (const [mode, count, conc] of [
    ["sequential", seqCount, 1],
    ["16 concurrent", concCount, 16],
  ] as const) {
    const c = `${server}: ${count} GETs, ${mode}`;
    const g = {
      kind: "get" as const,
      count,
      warmupCount: WARMUP_GETS,
      concurrency: conc,
      reps: 1,
      warmup: 1,
    };
    const goArgs = [
      "get",
      ...kc,
      "-namespace",
      NS,
      "-name",
      CM,
      "-count",
      String(count),
      "-concurrency",
      String(conc),
      "-warmupcount",
      String(WARMUP_GETS),
    ];
    await interleaved(
      { scenario: "P3", case: c, unit: "ms" },
      [
        nodeContender("baseline: raw undici", task({ ...g, client: "baseline" })),
        // the same requests over HTTP/2 (undici allowH2), beside the HTTP/1.1 default (issue 19)
        ...(h2 ? [nodeContender(H2, task({ ...g, client: "baseline", h2: true }))] : []),
        nodeContender("ours", task({ ...g, client: "ours" })),
        nodeContender(CN, task({ ...g, client: "client-node" })),
        goContender(GO, goArgs, 1),
      ],
      3 * REPS, // a round takes well under a second: three times the rounds, a steadier median
      true, // against the real API server each client's burst leaves the server's GC to the next one
    );
    setRatios("P3", c, "baseline: raw undici");
    const goMed = med("P3", c, GO);
    const raw = med("P3", c, "baseline: raw undici") ?? 0;
    // Issue 19's targets: against the static server, at most 5% over raw undici; against the real API
    // server, at least client-go's throughput and never below raw undici at HTTP/1.1.
    const ours = find("P3", c, "ours");
    if (server === "static server") target("P3", c, "≤1.05× raw undici", [(m) => m <= 1.05 * raw]);
    else {
      // Judged round by round, as P2 is: ours against client-go's and raw undici's sample of the same
      // round (interleaved, in an order that turns each round), so that load drifting over the case
      // falls on both sides.
      const vsGo = pairedTo(ours, find("P3", c, GO));
      target("P3", c, "≥1.0× client-go's throughput; ≤ raw undici (HTTP/1.1): paired, round by round", [
        () => (vsGo === undefined ? undefined : vsGo.median <= 1),
        () => (ours?.paired?.median ?? 0) <= 1,
      ]);
      if (ours && vsGo)
        ours.note = `paired to client-go ${vsGo.median.toFixed(2)}× its time (${vsGo.min.toFixed(2)}–${vsGo.max.toFixed(2)})`;
    }
    if (ours?.median && goMed) {
      const tput = `${(goMed / ours.median).toFixed(2)}× client-go's throughput (medians)`;
      ours.note = ours.note ? `${tput}; ${ours.note}` : tput;
    }
  }
}

main()
  .then(() => {
    results.finishedAt = new Date().toISOString();
    results.durationSec = (Date.now() - started) / 1000;
    sampleLoad();
    results.machine.load = {
      min: Math.min(...loadSeen),
      median: median(loadSeen),
      max: Math.max(...loadSeen),
      samples: loadSeen,
    };
    const load = results.machine.load;
    const outDir = join(benchDir, "results");
    mkdirSync(outDir, { recursive: true });
    const table = markdownTable(rows);
    const header = `# @org/bench results\n\n${results.startedAt}, ${results.machine.cpus} CPUs, Node ${results.machine.node}, median of ${REPS} interleaved repetitions (P3, and P2's baseline and ours: ${3 * REPS}), ${results.durationSec.toFixed(0)} s in all; 1-minute load average during the run ${load.min.toFixed(1)}–${load.max.toFixed(1)} (median ${load.median.toFixed(1)}) on ${results.machine.cpus} CPUs.\nLower is better for every median and ratio; "per second" is events or requests per second. "spread" is the min–max of the samples; "paired" is the median (min–max) of the round-by-round ratios to the baseline's sample of the same round; "CPU ms" is the client process's user + system time per sample (the Go peer's from getrusage; steadier than wall time under load), its ratio to the baseline's beside it; "load" is the 1-minute load average seen while the case ran.\n\n`;
    writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, "latest.md"), header + table);
    process.stdout.write(`\n${header}${table}`);
    log(`wrote ${join(outDir, "latest.json")} and latest.md`);
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  })
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
