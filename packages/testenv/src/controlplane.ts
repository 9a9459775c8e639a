// startControlPlane: etcd + kube-apiserver + kube-controller-manager on loopback ports, with a fresh
// run directory and PKI per call.
import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cacheRoot, ensureBinaries, resolveVersion } from "./binaries.js";
import { type Credentials, kubeFetch } from "./http.js";
import { kubeconfigYaml } from "./kubeconfig.js";
import { generatePki } from "./pki.js";
import {
  isAlive,
  killAndWait,
  killNow,
  portOrFree,
  type RunningComponent,
  startComponent,
  startWatchdog,
  tailFile,
} from "./proc.js";

export interface TestUser {
  /** Kubernetes user name ("admin", "alice", "bob"). */
  name: string;
  /** A kubeconfig file for this user alone. */
  kubeconfigPath: string;
  /** The same kubeconfig as YAML text. */
  kubeconfig: string;
  /** Groups the user is in (besides system:authenticated). */
  groups: string[];
  /** PEM client certificate and key (certificate users). */
  clientCertificate?: string;
  clientKey?: string;
  /** Static bearer token (token users). */
  token?: string;
}

export interface ProcessInfo {
  name: "etcd" | "kube-apiserver" | "kube-controller-manager" | "node-agent";
  pid: number;
  logPath: string;
}

export interface ControlPlane {
  /** Admin kubeconfig (user "admin" in group system:masters, client certificate). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  apiServerURL: string;
  /** gitVersion reported by /version, e.g. "v1.36.3". */
  version: string;
  /** PEM of the cluster CA (it signed the serving certificate and the client certificates). */
  caData: string;
  runDir: string;
  users: { admin: TestUser; certUser: TestUser; tokenUser: TestUser };
  /** http://127.0.0.1:<port> (no TLS, loopback only). */
  etcdURL: string;
  /** The JSON state file describing this control plane (see attachControlPlane). */
  statePath: string;
  processes: ProcessInfo[];
  /** The node agent (kubelet stand-in) that registerNode points Nodes at; absent without its binary. */
  nodeAgent?: NodeAgentInfo;
  /** Kills the components by PID (SIGTERM, then SIGKILL) and removes the run directory. Idempotent. */
  stop(): Promise<void>;
}

/** Where the node agent serves the kubelet API (mutual TLS with the cluster CA; see nodes.ts). */
export interface NodeAgentInfo {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Pod directories and container logs. */
  rootDir: string;
}

export interface StartOptions {
  /** Kubernetes version (default $K8S_VERSION, else v1.36.3); binaries are built on first use. */
  version?: string;
  /** Run directory (default: a new directory under the OS temp dir). Removed by stop(). */
  runDir?: string;
  /** Directory with prebuilt etcd, kube-apiserver, kube-controller-manager (default: build/cache). */
  binDir?: string;
  /** Simulated nodes with kwok: not available yet; use registerNode/makePodRunning. */
  kwok?: boolean;
  /** Preferred ports; a port that is taken is replaced by a free one. */
  ports?: { apiServer?: number; etcd?: number; etcdPeer?: number };
  /** kube-controller-manager controllers (default: see DEFAULT_CONTROLLERS); [] skips the KCM. */
  controllers?: readonly string[];
  /** Extra or overriding kube-apiserver flags, e.g. ["--feature-gates=Foo=true"]. */
  apiServerFlags?: readonly string[];
  /** Extra or overriding kube-controller-manager flags. */
  controllerManagerFlags?: readonly string[];
  /**
   * Turn API Priority and Fairness on with these in-flight limits, so the server answers 429 under
   * load (see addRejectingPriorityLevel). Default: APF off and no limits, so parallel suites get no 429s.
   */
  priorityAndFairness?: { maxRequestsInflight: number; maxMutatingRequestsInflight: number };
  /** How long each component may take to become ready (default 60 000). */
  startTimeoutMs?: number;
  /** Start the components in their own session, not tied to this process (the CLI's `up`). */
  detached?: boolean;
  /** Kill the components when this process exits (default: !detached). */
  stopOnExit?: boolean;
  /** Keep the run directory (logs, etcd data) after stop() and after a failed start. */
  keepRunDir?: boolean;
  /** Progress lines (default: only the build's progress, on stderr). */
  onProgress?: (line: string) => void;
}

export const DEFAULT_CONTROLLERS = [
  "namespace-controller",
  "garbage-collector-controller",
  "serviceaccount-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
  "deployment-controller",
  "replicaset-controller",
] as const;

/** A component exited or did not become ready in time. */
export class ComponentError extends Error {
  constructor(
    readonly component: string,
    message: string,
    readonly logTail: string,
  ) {
    super(`${message}\n--- last lines of the ${component} log ---\n${logTail || "(empty log)"}`);
    this.name = "ComponentError";
  }
}

export interface ControlPlaneState {
  format: 1;
  version: string;
  apiServerURL: string;
  etcdURL: string;
  kubeconfigPath: string;
  caData: string;
  runDir: string;
  users: { admin: TestUser; certUser: TestUser; tokenUser: TestUser };
  processes: ProcessInfo[];
  nodeAgent?: NodeAgentInfo;
  watchdogPid?: number;
  ownerPid: number;
  detached: boolean;
  startedAt: string;
}

/** Merges `--flag=value` lists: later entries replace earlier ones with the same flag name. */
export function mergeFlags(...lists: readonly (readonly string[])[]): string[] {
  const m = new Map<string, string>();
  for (const list of lists) for (const f of list) m.set(f.split("=", 1)[0]!, f);
  return [...m.values()];
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((res) => {
    const req = httpGet(url, { timeout: 2000 }, (r) => {
      r.resume();
      r.on("end", () => res(r.statusCode === 200));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => res(false));
  });
}

const PORT_IN_USE = /address already in use/i;

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  if (opts.kwok) {
    throw new Error(
      "kwok is not available in @org/testenv yet: use registerNode() and makePodRunning() to get Running pods",
    );
  }
  const version = resolveVersion(opts.version);
  const progress = opts.onProgress ?? (() => {});
  const binDir = await ensureBinaries(version, { binDir: opts.binDir, onProgress: opts.onProgress });
  const detached = opts.detached ?? false;
  const stopOnExit = opts.stopOnExit ?? !detached;
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const runDir = opts.runDir ? resolve(opts.runDir) : mkdtempSync(join(tmpdir(), "org-testenv-"));
  mkdirSync(runDir, { recursive: true });
  const pkiDir = join(runDir, "pki");
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });

  const started: RunningComponent[] = [];
  let watchdogPid: number | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const allPids = () => [...started.map((c) => c.pid), ...(watchdogPid ? [watchdogPid] : [])];
  const removeRunDir = () => {
    if (!opts.keepRunDir) rmSync(runDir, { recursive: true, force: true });
  };

  // Ctrl-C (or SIGTERM/SIGHUP) while starting: kill what was started, remove the run dir, then let the
  // signal take its normal course.
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    killNow(allPids(), runDir);
    removeRunDir();
    removeSignalHandlers();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const removeSignalHandlers = () => {
    for (const s of signals) process.removeListener(s, onSignal);
  };
  for (const s of signals) process.on(s, onSignal);
  const checkInterrupted = () => {
    if (interrupted) throw new Error(`control plane start interrupted by ${interrupted}`);
  };

  const launch = (name: ProcessInfo["name"], args: string[]) => {
    checkInterrupted();
    const c = startComponent(name, join(binDir, name), args, join(runDir, `${name}.log`), detached);
    started.push(c);
    writeFileSync(join(runDir, `${name}.pid`), `${c.pid}\n`);
    // How it was started, so faults.ts can restart it with the same binary and flags.
    writeFileSync(
      join(runDir, `${name}.args.json`),
      JSON.stringify({ bin: join(binDir, name), args, detached }),
    );
    progress(`[testenv] started ${name} (pid ${c.pid})`);
    return c;
  };

  const failure = (c: RunningComponent, what: string): ComponentError => {
    const tail = tailFile(c.logPath, 40);
    let saved = "";
    if (!opts.keepRunDir) {
      try {
        const dst = join(cacheRoot(), `last-failure-${c.name}.log`);
        mkdirSync(cacheRoot(), { recursive: true });
        copyFileSync(c.logPath, dst);
        saved = ` (full log saved to ${dst})`;
      } catch {
        // best effort
      }
    } else {
      saved = ` (log: ${c.logPath})`;
    }
    return new ComponentError(c.name, `${c.name} ${what}${saved}`, tail);
  };

  /** Polls `ready` until it is true; throws when the process exits or the time is up. */
  const waitReady = async (c: RunningComponent, what: string, ready: () => Promise<boolean>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      checkInterrupted();
      if (c.exit) {
        throw failure(c, `exited (${c.exit.signal ?? `code ${c.exit.code}`}) before ${what}`);
      }
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw failure(c, `was not ready within ${timeoutMs / 1000} s (${what})`);
      await sleep(c.exit ? 0 : 150);
    }
  };

  /** Starts a component on fresh ports until it does not fail with "address already in use". */
  const startWithPorts = async <P>(
    name: ProcessInfo["name"],
    pickPorts: (attempt: number) => Promise<P>,
    args: (p: P) => string[],
    what: string,
    ready: (p: P) => () => Promise<boolean>,
  ): Promise<{ c: RunningComponent; ports: P }> => {
    for (let attempt = 0; ; attempt++) {
      const ports = await pickPorts(attempt);
      const c = launch(name, args(ports));
      try {
        await waitReady(c, what, ready(ports));
        return { c, ports };
      } catch (e) {
        if (attempt < 4 && c.exit && PORT_IN_USE.test(tailFile(c.logPath, 40))) {
          progress(`[testenv] ${name}: port taken, retrying on other ports`);
          started.splice(started.indexOf(c), 1);
          writeFileSync(c.logPath, "");
          continue;
        }
        throw e;
      }
    }
  };

  try {
    progress(`[testenv] starting Kubernetes ${version} control plane in ${runDir}`);
    if (stopOnExit && !detached) watchdogPid = startWatchdog(process.pid, runDir);

    // PKI and auth files.
    const pki = await generatePki({
      clients: [
        { user: "admin", groups: ["system:masters"] },
        { user: "alice" },
        // the API server's client certificate towards kubelets (here: the node agent)
        { user: "kube-apiserver-kubelet-client", groups: ["system:masters"] },
      ],
    });
    const p = (f: string) => join(pkiDir, f);
    writeFileSync(p("ca.crt"), pki.ca.cert);
    writeSecret(p("ca.key"), pki.ca.key);
    writeFileSync(p("apiserver.crt"), pki.serving.cert);
    writeSecret(p("apiserver.key"), pki.serving.key);
    for (const [user, kp] of Object.entries(pki.clients)) {
      writeFileSync(p(`${user}.crt`), kp.cert);
      writeSecret(p(`${user}.key`), kp.key);
    }
    writeFileSync(p("sa.pub"), pki.serviceAccount.publicKey);
    writeSecret(p("sa.key"), pki.serviceAccount.privateKey);
    const bobToken = randomBytes(24).toString("hex");
    writeSecret(p("tokens.csv"), `${bobToken},bob,uid-bob\n`);
    const adminCreds: Credentials = {
      caData: pki.ca.cert,
      clientCertificate: pki.clients.admin!.cert,
      clientKey: pki.clients.admin!.key,
    };

    // etcd
    const etcd = await startWithPorts(
      "etcd",
      async (attempt) => {
        const client = await portOrFree(attempt === 0 ? opts.ports?.etcd : undefined);
        let peer = await portOrFree(attempt === 0 ? opts.ports?.etcdPeer : undefined);
        while (peer === client) peer = await portOrFree(undefined);
        return { client, peer };
      },
      ({ client, peer }) => [
        "--name=testenv",
        `--data-dir=${join(runDir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=testenv=http://127.0.0.1:${peer}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      "/health answered",
      ({ client }) =>
        () =>
          httpOk(`http://127.0.0.1:${client}/health`),
    );
    const etcdURL = `http://127.0.0.1:${etcd.ports.client}`;

    // node agent: the kubelet API for registered nodes; it starts while the API server does
    const agentBin = join(binDir, "node-agent");
    const agentPortFile = join(runDir, "node-agent.port");
    const agentRoot = join(runDir, "node-agent");
    const agent = existsSync(agentBin)
      ? launch("node-agent", [
          "--listen=127.0.0.1:0",
          `--tls-cert-file=${p("apiserver.crt")}`,
          `--tls-private-key-file=${p("apiserver.key")}`,
          `--client-ca-file=${p("ca.crt")}`,
          `--root-dir=${agentRoot}`,
          `--port-file=${agentPortFile}`,
          "--admin-cn=admin",
        ])
      : undefined;

    // kube-apiserver
    const apiserver = await startWithPorts(
      "kube-apiserver",
      (attempt) => portOrFree(attempt === 0 ? opts.ports?.apiServer : undefined),
      (port) =>
        mergeFlags(
          [
            `--etcd-servers=${etcdURL}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${port}`,
            `--cert-dir=${pkiDir}`,
            `--tls-cert-file=${p("apiserver.crt")}`,
            `--tls-private-key-file=${p("apiserver.key")}`,
            `--client-ca-file=${p("ca.crt")}`,
            `--token-auth-file=${p("tokens.csv")}`,
            "--authorization-mode=RBAC",
            `--service-account-issuer=https://127.0.0.1:${port}`,
            `--service-account-key-file=${p("sa.pub")}`,
            `--service-account-signing-key-file=${p("sa.key")}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            "--allow-privileged=true",
            // the loopback address cannot be published as the endpoint of the "kubernetes" Service
            "--endpoint-reconciler-type=none",
            // no API Priority and Fairness queuing and no in-flight limits: parallel suites get no 429s
            ...(opts.priorityAndFairness
              ? [
                  "--enable-priority-and-fairness=true",
                  `--max-requests-inflight=${opts.priorityAndFairness.maxRequestsInflight}`,
                  `--max-mutating-requests-inflight=${opts.priorityAndFairness.maxMutatingRequestsInflight}`,
                ]
              : [
                  "--enable-priority-and-fairness=false",
                  "--max-requests-inflight=0",
                  "--max-mutating-requests-inflight=0",
                ]),
            "--profiling=false",
            // kubelets (the node agent) over mutual TLS, reached at a Node's InternalIP
            `--kubelet-client-certificate=${p("kube-apiserver-kubelet-client.crt")}`,
            `--kubelet-client-key=${p("kube-apiserver-kubelet-client.key")}`,
            `--kubelet-certificate-authority=${p("ca.crt")}`,
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
          ],
          opts.apiServerFlags ?? [],
        ),
      "/readyz answered ok",
      (port) => async () =>
        (await kubeFetch(`https://127.0.0.1:${port}`, adminCreds, "GET", "/readyz", { timeoutMs: 5000 }))
          .statusCode === 200,
    );
    const apiServerURL = `https://127.0.0.1:${apiserver.ports}`;
    let nodeAgent: NodeAgentInfo | undefined;
    if (agent) {
      await waitReady(agent, "it wrote its port", async () => existsSync(agentPortFile));
      const port = Number(readFileSync(agentPortFile, "utf8").trim());
      nodeAgent = { url: `https://127.0.0.1:${port}`, port, rootDir: agentRoot };
    }

    // kubeconfigs
    const mkUser = (
      name: string,
      groups: string[],
      auth: { clientCertificate?: string; clientKey?: string; token?: string },
    ): TestUser => {
      const kubeconfig = kubeconfigYaml({
        clusterName: "testenv",
        server: apiServerURL,
        caPem: pki.ca.cert,
        users: [{ name, ...auth }],
        contextNames: [`testenv-${name}`],
      });
      const kubeconfigPath = join(runDir, `${name}.kubeconfig`);
      writeSecret(kubeconfigPath, kubeconfig);
      return { name, kubeconfigPath, kubeconfig, groups, ...auth };
    };
    const users = {
      admin: mkUser("admin", ["system:masters"], {
        clientCertificate: adminCreds.clientCertificate!,
        clientKey: adminCreds.clientKey!,
      }),
      certUser: mkUser("alice", [], {
        clientCertificate: pki.clients.alice!.cert,
        clientKey: pki.clients.alice!.key,
      }),
      tokenUser: mkUser("bob", [], { token: bobToken }),
    };

    // kube-controller-manager
    const controllers = opts.controllers ?? DEFAULT_CONTROLLERS;
    if (controllers.length > 0) {
      const kcm = launch(
        "kube-controller-manager",
        mergeFlags(
          [
            `--kubeconfig=${users.admin.kubeconfigPath}`,
            "--leader-elect=false",
            `--controllers=${controllers.join(",")}`,
            `--root-ca-file=${p("ca.crt")}`,
            "--use-service-account-credentials=false",
            "--secure-port=0",
            "--bind-address=127.0.0.1",
          ],
          opts.controllerManagerFlags ?? [],
        ),
      );
      if (controllers.includes("serviceaccount-controller")) {
        // Pods need the "default" ServiceAccount (ServiceAccount admission): wait until the controller made it.
        await waitReady(
          kcm,
          'the "default" ServiceAccount existed in namespace default',
          async () =>
            (
              await kubeFetch(
                apiServerURL,
                adminCreds,
                "GET",
                "/api/v1/namespaces/default/serviceaccounts/default",
              )
            ).statusCode === 200,
        );
      } else {
        await sleep(500);
        if (kcm.exit) throw failure(kcm, `exited (${kcm.exit.signal ?? `code ${kcm.exit.code}`})`);
      }
    }

    const v = await kubeFetch<{ gitVersion?: string }>(apiServerURL, adminCreds, "GET", "/version");
    const reported = v.body?.gitVersion ?? "unknown";
    checkInterrupted();

    const processes: ProcessInfo[] = started.map((c) => ({
      name: c.name as ProcessInfo["name"],
      pid: c.pid,
      logPath: c.logPath,
    }));
    const state: ControlPlaneState = {
      format: 1,
      version: reported,
      apiServerURL,
      etcdURL,
      kubeconfigPath: users.admin.kubeconfigPath,
      caData: pki.ca.cert,
      runDir,
      users,
      processes,
      ...(nodeAgent ? { nodeAgent } : {}),
      ...(watchdogPid ? { watchdogPid } : {}),
      ownerPid: process.pid,
      detached,
      startedAt: new Date().toISOString(),
    };
    const statePath = join(runDir, "state.json");
    writeSecret(statePath, `${JSON.stringify(state, null, 2)}\n`);
    removeSignalHandlers();
    progress(`[testenv] control plane ${reported} ready at ${apiServerURL} (run dir ${runDir})`);

    const cp = controlPlaneFromState(state, statePath, { keepRunDir: opts.keepRunDir });
    if (stopOnExit) {
      const onExit = () => {
        killNow(allPids(), runDir);
        removeRunDir();
      };
      process.on("exit", onExit);
      const stop = cp.stop;
      cp.stop = async () => {
        process.removeListener("exit", onExit);
        await stop();
      };
    }
    return cp;
  } catch (e) {
    removeSignalHandlers();
    await killAndWait(allPids(), runDir, 2000).catch(() => killNow(allPids(), runDir));
    removeRunDir();
    throw e;
  }
}

/** A ControlPlane object for the control plane a state file describes (its stop() kills by PID). */
export function controlPlaneFromState(
  state: ControlPlaneState,
  statePath: string,
  opts: { keepRunDir?: boolean; ownsProcesses?: boolean } = {},
): ControlPlane {
  let stopped: Promise<void> | undefined;
  return {
    kubeconfigPath: state.kubeconfigPath,
    apiServerURL: state.apiServerURL,
    version: state.version,
    caData: state.caData,
    runDir: state.runDir,
    users: state.users,
    etcdURL: state.etcdURL,
    statePath,
    processes: state.processes,
    ...(state.nodeAgent ? { nodeAgent: state.nodeAgent } : {}),
    stop() {
      if (opts.ownsProcesses === false) return Promise.resolve();
      stopped ??= (async () => {
        // API server and controller manager first, etcd last.
        const order = [...state.processes].reverse().map((p) => p.pid);
        await killAndWait(order.slice(0, -1), state.runDir);
        await killAndWait(
          [...order.slice(-1), ...(state.watchdogPid ? [state.watchdogPid] : [])],
          state.runDir,
        );
        if (!opts.keepRunDir) rmSync(state.runDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Reads a state file written by startControlPlane; undefined when it is missing or unreadable. */
export function readState(statePath: string): ControlPlaneState | undefined {
  try {
    const s = JSON.parse(readFileSync(statePath, "utf8")) as ControlPlaneState;
    return s.format === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** True when every component process of the state is still running. */
export function stateAlive(state: ControlPlaneState): boolean {
  return state.processes.length > 0 && state.processes.every((p) => isAlive(p.pid, state.runDir));
}

/** The admin credentials of a control plane, for direct HTTPS calls. */
export function adminCredentials(cp: Pick<ControlPlane, "caData" | "users">): Credentials {
  return {
    caData: cp.caData,
    clientCertificate: cp.users.admin.clientCertificate,
    clientKey: cp.users.admin.clientKey,
  };
}

/**
 * A ControlPlane handle for the state file at `statePath` (written by startControlPlane, the harness or
 * `testenv up`). Throws when the file is missing or its processes are not running.
 */
export function attachControlPlane(statePath: string, opts: { ownsProcesses?: boolean } = {}): ControlPlane {
  const state = readState(statePath);
  if (!state) throw new Error(`no control plane state in ${statePath}`);
  if (!stateAlive(state)) {
    throw new Error(`the control plane described by ${statePath} is not running (run dir ${state.runDir})`);
  }
  return controlPlaneFromState(state, statePath, opts);
}
