// P11: stream throughput through a real API server to @org/testenv's node agent, ours beside kubectl
// on the same agent in the same run. exec: the time to read N MB a command writes to stdout
// (baseline: the same command run locally, its stdout read from a pipe). port-forward: the time to
// send N MB to an echo server in the "pod" and read them back over one forwarded connection
// (baseline: a direct TCP connection to the echo server), from a load process of its own. Each
// forwarder runs in a fresh process of its own, as kubectl does: ours shares neither its event loop
// with the load nor its heap with this harness (whose garbage collections it would otherwise pay
// for). Rounds interleave the clients.
// Part of `npm run bench` (--only P11); standalone, `node packages/bench/dist/p11.js [--reps N]` prints
// its rows alone.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { parseArgs } from "node:util";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { type ControlPlane, makePodRunning, registerNode, startControlPlane } from "@org/testenv";
import type { RunnerContext } from "./footprint.js";
import type { Contender } from "./main.js";
import { markdownTable, type Row } from "./report.js";
import { MB, median } from "./stats.js";

const EXEC_MB = 256;
const PF_MB = 64;

type Samples = Awaited<ReturnType<Contender["sample"]>>;
export interface P11Context extends Pick<RunnerContext, "interleaved" | "setRatios" | "find" | "log"> {}

const script = `yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c ${EXEC_MB * MB}`;

/** Reads a stream to its end, counting bytes. */
function drain(proc: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    proc.stdout?.on("data", (b: Buffer) => {
      n += b.length;
    });
    proc.on("error", reject);
    proc.on("close", (code) => (code === 0 ? resolve(n) : reject(new Error(`exited with ${code}`))));
  });
}

/** Sends `bytes` over a fresh TCP connection and waits for all of them to come back. */
function echoRound(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(256 * 1024, 7);
    let got = 0;
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!sock.write(chunk)) return;
      }
    };
    sock.on("drain", pump);
    sock.on("data", (b: Buffer) => {
      got += b.length;
      if (got >= bytes) {
        sock.destroy();
        resolve();
      }
    });
    sock.on("error", reject);
    sock.on("connect", pump);
  });
}

/** The port-forward load in a process of its own: `{ port, bytes }` in, `{ ms }` or `{ error }` back. */
class EchoLoad {
  readonly #child = fork(new URL(import.meta.url).pathname, ["--load"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  round(port: number, bytes: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code})`));
      this.#child.once("exit", onExit);
      this.#child.once("message", (m: { ms?: number; error?: string }) => {
        this.#child.off("exit", onExit);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m.ms!);
      });
      this.#child.send({ port, bytes });
    });
  }
  close(): void {
    this.#child.kill();
  }
}

/** Our forwarder in a process of its own: the local port it listens on, once it is forwarding. */
async function ourForwarder(
  kubeconfigPath: string,
  pod: string,
  port: number,
): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(new URL(import.meta.url).pathname, ["--forward", kubeconfigPath, pod, String(port)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [m] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`our forwarder exited (${code})`);
    }),
  ])) as [{ port: number }];
  return { port: m.port, child };
}

/** One sample timed by the load process. */
function loadRound(load: EchoLoad, mb: number, port: () => number): () => Promise<Samples> {
  return async () => ({ samples: [await load.round(port(), mb * MB)], n: mb });
}

/** One timed sample of moving `mb` MB (n, so the table shows MB/s). */
function timed(mb: number, fn: () => Promise<unknown>): () => Promise<Samples> {
  return async () => {
    const t0 = performance.now();
    await fn();
    return { samples: [performance.now() - t0], n: mb };
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function runP11(ctx: P11Context): Promise<void> {
  let cp: ControlPlane | undefined;
  let load: EchoLoad | undefined;
  try {
    cp = await startControlPlane();
    const config = await buildConfigFromFlags("", cp.kubeconfigPath);
    config.qps = 0;
    config.rateLimiter = null;
    const cs = Clientset.forConfig(config);
    await registerNode(cp, "bench-node");
    const pods = cs.coreV1().pods("default");
    const echoPort = await freePort();
    const echo = `require("net").createServer((s) => s.pipe(s)).listen(${echoPort}, "127.0.0.1", () => console.log("up"))`;
    await pods.create({ metadata: { name: "box" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await pods.create({
      metadata: { name: "echo" },
      spec: { containers: [{ name: "c", image: "node", command: [process.execPath, "-e", echo] }] },
    });
    await makePodRunning(cp, "default", "box", "bench-node");
    await makePodRunning(cp, "default", "echo", "bench-node");
    while (!(await pods.getLogs("echo")).includes("up")) await new Promise((r) => setTimeout(r, 50));
    const kubectl = (args: string[]) =>
      spawn("kubectl", ["--kubeconfig", cp!.kubeconfigPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });

    const execCase = `exec: ${EXEC_MB} MB of stdout through the API server and the node agent`;
    ctx.log(`P11: ${execCase}`);
    const expect = (n: number) => {
      if (n !== EXEC_MB * MB) throw new Error(`read ${n} bytes, not ${EXEC_MB * MB}`);
    };
    await ctx.interleaved({ scenario: "P11", case: execCase, unit: "ms" }, [
      {
        client: "baseline: the command run locally, stdout read from a pipe",
        sample: timed(EXEC_MB, async () =>
          expect(await drain(spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] }))),
        ),
      },
      {
        client: "ours",
        sample: timed(EXEC_MB, async () => {
          const s = await pods.exec("box", { command: ["sh", "-c", script], stderr: false });
          let n = 0;
          for await (const b of s.stdout!) n += (b as Buffer).length;
          await s.status;
          expect(n);
        }),
      },
      {
        client: "kubectl 1.32 exec",
        sample: timed(EXEC_MB, async () =>
          expect(await drain(kubectl(["exec", "box", "--", "sh", "-c", script]))),
        ),
      },
    ]);
    ctx.setRatios("P11", execCase, "baseline: the command run locally, stdout read from a pipe");

    const pfCase = `port-forward: ${PF_MB} MB each way over one forwarded connection to an echo server`;
    ctx.log(`P11: ${pfCase}`);
    let fwd: Awaited<ReturnType<typeof ourForwarder>> | undefined;
    let kpf: ChildProcess | undefined;
    let kport = 0;
    const echoLoad = new EchoLoad();
    load = echoLoad;
    await ctx.interleaved({ scenario: "P11", case: pfCase, unit: "ms" }, [
      {
        client: "baseline: a direct TCP connection",
        sample: loadRound(echoLoad, PF_MB, () => echoPort),
      },
      {
        client: "ours",
        start: async () => {
          fwd = await ourForwarder(cp!.kubeconfigPath, "echo", echoPort);
        },
        sample: loadRound(echoLoad, PF_MB, () => fwd!.port),
        stop: () => void fwd?.child.kill(),
      },
      {
        client: "kubectl 1.32 port-forward",
        start: async () => {
          kpf = kubectl(["port-forward", "pod/echo", `:${echoPort}`]);
          kport = await new Promise<number>((resolve, reject) => {
            let text = "";
            kpf!.stdout!.on("data", (b: Buffer) => {
              text += b.toString();
              const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
              if (m) resolve(Number(m[1]));
            });
            kpf!.on("close", () => reject(new Error(`kubectl port-forward ended: ${text}`)));
          });
        },
        sample: loadRound(echoLoad, PF_MB, () => kport),
        stop: () => kpf?.kill(),
      },
    ]);
    ctx.setRatios("P11", pfCase, "baseline: a direct TCP connection");
    for (const c of [execCase, pfCase]) {
      const ours = ctx.find("P11", c, "ours");
      const kube = ctx.find("P11", c, c === execCase ? "kubectl 1.32 exec" : "kubectl 1.32 port-forward");
      if (ours && kube?.median != null && ours.median !== null) {
        ours.target = "at least kubectl's throughput";
        ours.met = ours.median <= kube.median;
      }
    }
  } finally {
    load?.close();
    await cp?.stop();
  }
}

// Standalone run: the same rows and table as `npm run bench`, for P11 alone; with --load, the
// port-forward load process (EchoLoad); with --forward, our forwarder (ourForwarder).
if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === "--forward") {
  const [kubeconfigPath, pod, port] = process.argv.slice(3);
  const config = await buildConfigFromFlags("", kubeconfigPath!);
  const fwd = await Clientset.forConfig(config)
    .coreV1()
    .pods("default")
    .forwardPorts(pod!, [Number(port)]);
  process.send!({ port: fwd.ports[0]!.local });
} else if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === "--load") {
  process.on("message", (m: { port: number; bytes: number }) => {
    const t0 = performance.now();
    echoRound(m.port, m.bytes).then(
      () => process.send!({ ms: performance.now() - t0 }),
      (err: Error) => process.send!({ error: err.message }),
    );
  });
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { reps: { type: "string" } } });
  const reps = Math.max(1, Number(values.reps ?? 5));
  const rows: Row[] = [];
  const log = (s: string) => process.stderr.write(`[bench p11] ${s}\n`);
  const find = (s: string, c: string, client: string) =>
    rows.find((r) => r.scenario === s && r.case === c && r.client === client);
  await runP11({
    log,
    find,
    setRatios(s, c, baseline) {
      const base = find(s, c, baseline)?.median;
      for (const r of rows)
        if (r.scenario === s && r.case === c) r.ratio = base && r.median !== null ? r.median / base : null;
    },
    async interleaved(base, contenders) {
      const got = new Map(contenders.map((c) => [c.client, [] as number[]]));
      const failed = new Map<string, string>();
      for (const c of contenders) await c.start?.().catch((e: Error) => failed.set(c.client, e.message));
      try {
        for (let i = 0; i < reps; i++) {
          for (const c of contenders) {
            if (failed.has(c.client)) continue;
            try {
              got.get(c.client)!.push(...(await c.sample()).samples);
            } catch (e) {
              failed.set(c.client, (e as Error).message);
            }
          }
        }
      } finally {
        for (const c of contenders) c.stop?.();
      }
      for (const c of contenders) {
        const samples = got.get(c.client)!;
        const m = samples.length > 0 && !failed.has(c.client) ? median(samples) : null;
        const mbytes = base.case.startsWith("exec") ? EXEC_MB : PF_MB; // the samples' n
        const row: Row = { ...base, client: c.client, median: m, samples, ratio: null };
        if (m !== null) row.perSecond = mbytes / (m / 1000);
        const note = failed.get(c.client);
        if (note) row.note = note;
        rows.push(row);
        log(`${c.client}: ${m?.toFixed(0)} ms (${row.perSecond?.toFixed(1)} MB/s)`);
      }
    },
  });
  process.stdout.write(`${markdownTable(rows)}\n`);
  process.exit(0);
}
