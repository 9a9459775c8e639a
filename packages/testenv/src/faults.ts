// Faults on demand for a control plane started by startControlPlane (not the shared one of a test run:
// every test on it would feel them): restart or stall the API server, compact etcd, reject a user's
// requests with real 429s (API Priority and Fairness), and a TCP proxy whose connections can be cut.
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { adminCredentials, type ControlPlane, type ProcessInfo, readState } from "./controlplane.js";
import { kubeCall, kubeFetch } from "./http.js";
import { isAlive, killAndWait, startComponent } from "./proc.js";

function apiServerProcess(cp: ControlPlane): ProcessInfo {
  const p = cp.processes.find((x) => x.name === "kube-apiserver");
  if (p === undefined) throw new Error(`control plane in ${cp.runDir} has no kube-apiserver process`);
  return p;
}

/** Resolves once /readyz answers 200 (throws after `timeoutMs`). */
export async function waitForAPIServerReady(cp: ControlPlane, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const creds = adminCredentials(cp);
  for (;;) {
    const ok = await kubeFetch(cp.apiServerURL, creds, "GET", "/readyz", { timeoutMs: 2000 })
      .then((r) => r.statusCode === 200)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(`kube-apiserver at ${cp.apiServerURL} was not ready within ${timeoutMs / 1000} s`);
    }
    await sleep(100);
  }
}

/** What a restart took. */
export interface RestartResult {
  /** From the stop signal until /readyz answered again. */
  downMs: number;
  /** PID of the new kube-apiserver. */
  pid: number;
}

/**
 * Stops kube-apiserver (SIGTERM, SIGKILL after `graceMs`) and starts it again with the same binary,
 * flags, port and data; etcd keeps running. `downMs` keeps it down that long before the start.
 * The ControlPlane's process list, PID file and state file follow the new process, so stop() and the
 * watchdog still find it.
 */
export async function restartAPIServer(
  cp: ControlPlane,
  opts: { downMs?: number; graceMs?: number; readyTimeoutMs?: number } = {},
): Promise<RestartResult> {
  const p = apiServerProcess(cp);
  const { bin, args, detached } = JSON.parse(
    readFileSync(join(cp.runDir, "kube-apiserver.args.json"), "utf8"),
  ) as { bin: string; args: string[]; detached: boolean };
  const started = Date.now();
  await killAndWait([p.pid], cp.runDir, opts.graceMs ?? 5000);
  if (opts.downMs) await sleep(opts.downMs);
  const c = startComponent("kube-apiserver", bin, args, p.logPath, detached);
  p.pid = c.pid;
  writeFileSync(join(cp.runDir, "kube-apiserver.pid"), `${c.pid}\n`);
  const state = readState(cp.statePath);
  if (state) {
    const sp = state.processes.find((x) => x.name === "kube-apiserver");
    if (sp) sp.pid = c.pid;
    writeFileSync(cp.statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }
  await waitForAPIServerReady(cp, opts.readyTimeoutMs);
  return { downMs: Date.now() - started, pid: c.pid };
}

/**
 * Stops kube-apiserver with SIGSTOP: its connections stay open, nothing answers (a stalled server).
 * Resume with resumeAPIServer; until then every client of this control plane hangs.
 */
export function pauseAPIServer(cp: ControlPlane): void {
  const p = apiServerProcess(cp);
  if (!isAlive(p.pid, cp.runDir)) throw new Error(`kube-apiserver (pid ${p.pid}) is not running`);
  process.kill(p.pid, "SIGSTOP");
}

/** SIGCONT after pauseAPIServer. */
export function resumeAPIServer(cp: ControlPlane): void {
  process.kill(apiServerProcess(cp).pid, "SIGCONT");
}

function etcdPost<T>(cp: ControlPlane, path: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, cp.etcdURL),
      { method: "POST", headers: { "content-type": "application/json" }, timeout: 10_000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`etcd ${path}: HTTP ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`etcd ${path}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** etcd's current revision (the newest resourceVersion of the cluster). */
export async function etcdRevision(cp: ControlPlane): Promise<number> {
  // A range over one key that does not exist answers with the header only.
  const r = await etcdPost<{ header: { revision: string } }>(cp, "/v3/kv/range", {
    key: Buffer.from("/org-testenv/none").toString("base64"),
  });
  return Number(r.header.revision);
}

/**
 * Compacts etcd up to its current revision (physically): every older resourceVersion is gone, so a
 * watch or continue token from before answers 410 Gone once the API server's watch cache no longer
 * holds it. Returns the revision compacted to.
 */
export async function compactEtcd(cp: ControlPlane): Promise<number> {
  const revision = await etcdRevision(cp);
  await etcdPost(cp, "/v3/kv/compaction", { revision: String(revision), physical: true });
  return revision;
}

/**
 * A PriorityLevelConfiguration that rejects (429, no queuing) whatever exceeds a tiny concurrency, and
 * a FlowSchema sending the given users' requests to it. Needs a control plane started with
 * `priorityAndFairness`. Returns a function that deletes both.
 */
export async function addRejectingPriorityLevel(
  cp: ControlPlane,
  opts: { name: string; users: readonly string[]; nominalConcurrencyShares?: number },
): Promise<() => Promise<void>> {
  const creds = adminCredentials(cp);
  const base = "/apis/flowcontrol.apiserver.k8s.io/v1";
  await kubeCall(cp.apiServerURL, creds, "POST", `${base}/prioritylevelconfigurations`, {
    body: {
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "PriorityLevelConfiguration",
      metadata: { name: opts.name },
      spec: {
        type: "Limited",
        limited: {
          nominalConcurrencyShares: opts.nominalConcurrencyShares ?? 1,
          lendablePercent: 0,
          borrowingLimitPercent: 0,
          limitResponse: { type: "Reject" },
        },
      },
    },
  });
  await kubeCall(cp.apiServerURL, creds, "POST", `${base}/flowschemas`, {
    body: {
      apiVersion: "flowcontrol.apiserver.k8s.io/v1",
      kind: "FlowSchema",
      metadata: { name: opts.name },
      spec: {
        priorityLevelConfiguration: { name: opts.name },
        matchingPrecedence: 500,
        distinguisherMethod: { type: "ByUser" },
        rules: [
          {
            subjects: opts.users.map((name) => ({ kind: "User", user: { name } })),
            resourceRules: [
              { verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true },
            ],
            nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
          },
        ],
      },
    },
  });
  return async () => {
    for (const kind of ["flowschemas", "prioritylevelconfigurations"]) {
      await kubeCall(cp.apiServerURL, creds, "DELETE", `${base}/${kind}/${opts.name}`, { allow: [404] });
    }
  };
}

/** Filters for apiServerRequestCount (labels of apiserver_request_total). */
export interface RequestCountFilter {
  verb?: string;
  resource?: string;
  scope?: string;
  code?: string;
}

/**
 * Sums kube-apiserver's apiserver_request_total over the series matching `filter` (counters start at
 * 0 with each API server process, so after restartAPIServer they count the new process only).
 */
export async function apiServerRequestCount(cp: ControlPlane, filter: RequestCountFilter): Promise<number> {
  const r = await kubeFetch(cp.apiServerURL, adminCredentials(cp), "GET", "/metrics", { timeoutMs: 10_000 });
  if (r.statusCode !== 200) throw new Error(`GET /metrics: HTTP ${r.statusCode}`);
  let sum = 0;
  for (const line of r.text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const end = line.lastIndexOf("}");
    const labels = Object.fromEntries(
      [...line.slice(24, end).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(filter).every(([k, v]) => v === undefined || labels[k] === v)) {
      sum += Number(line.slice(end + 1).trim());
    }
  }
  return sum;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server (TLS passes through untouched): point a client at
 * `url` and cut its connections, or take the "server" down and bring it back.
 */
export class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #up = true;
  #waiters: (() => void)[] = [];
  /** Connections turned away while down. */
  refused = 0;
  /** Connections accepted and forwarded. */
  accepted = 0;
  port = 0;

  constructor(readonly target: URL) {}

  /** https://127.0.0.1:<port> */
  get url(): string {
    return `${this.target.protocol}//127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    const server = createServer((client) => {
      client.on("error", () => {});
      if (!this.#up) {
        client.destroy();
        this.refused++;
        for (const w of this.#waiters.splice(0)) w();
        return;
      }
      this.accepted++;
      const upstream = connect(Number(this.target.port), this.target.hostname);
      upstream.on("error", () => {});
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
    return this;
  }

  /** Cuts every open connection (both sides see a reset); new connections are still accepted. */
  cut(): number {
    const n = this.#sockets.size;
    for (const s of this.#sockets) s.resetAndDestroy();
    return n;
  }

  /** The "server" goes down: open connections are cut, new ones are closed at once. */
  down(): void {
    this.#up = false;
    this.cut();
  }

  /** The "server" is back. */
  restore(): void {
    this.#up = true;
  }

  /** Resolves once `n` connections have been turned away. */
  async waitForRefused(n: number): Promise<void> {
    while (this.refused < n) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.down();
    const server = this.#server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/** Starts a TcpProxy in front of `target` (e.g. cp.apiServerURL). */
export function startTcpProxy(target: string | URL): Promise<TcpProxy> {
  return new TcpProxy(new URL(target)).listen();
}
