// Pod logs (client-go's PodExpansion GetLogs): the whole text, or a stream of lines with follow. And
// what kubectl builds on the exec and portforward streams: run a command to its end, forward local
// ports, copy files in and out.
import type { CallOptions } from "@org/rest";
import type { Expansion } from "../../../runtime/methods.js";
import { type ResourceClient, requireName } from "../../../runtime/resource-client.js";
import { type CopyOptions, copyFromPod, copyToPod } from "../../../streaming/cp.js";
import {
  type ListenOptions,
  listenAndForward,
  openPortForward,
  PortForwardError,
  type PortForwarder,
  type PortSpec,
  parsePortString,
} from "../../../streaming/portforward.js";
import {
  collect,
  type ExecOptions,
  openRemoteCommand,
  type RunResult,
} from "../../../streaming/remotecommand.js";

/** core/v1 PodLogOptions (query parameters of pods/<name>/log) plus the per-call options. */
export interface PodLogOptions extends CallOptions {
  /** Which container; required when the pod has more than one. */
  container?: string;
  /** Logs of the previous, terminated instance of the container. */
  previous?: boolean;
  sinceSeconds?: number;
  /** RFC 3339 timestamp; only one of sinceSeconds and sinceTime. */
  sinceTime?: string;
  /** Prefix every line with an RFC 3339 timestamp. */
  timestamps?: boolean;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend?: boolean;
  /** "Stdout" | "Stderr" | "All" (needs the PodLogsQuerySplitStreams feature). */
  stream?: string;
  /** streamLogs only (default true there): keep the stream open for new lines. */
  follow?: boolean;
}

export interface PodExpansion {
  /** The pod's log as one text (GET pods/<name>/log). */
  getLogs(name: string, opts?: PodLogOptions): Promise<string>;
  /**
   * Streams the log line by line (without the newline), following it (`follow`, default true) until
   * the container ends, `signal` aborts, or the loop breaks (which closes the connection).
   */
  streamLogs(name: string, opts?: PodLogOptions): AsyncIterable<string>;
  /**
   * Runs `command` in the container to its end (exec) and returns its whole stdout, stderr and exit
   * code; a non-zero exit code is a result, not an error. With `opts.input`, that is its stdin.
   */
  run(
    name: string,
    command: readonly string[],
    opts?: Omit<ExecOptions, "command" | "stdin" | "tty"> & { input?: string | Uint8Array },
  ): Promise<RunResult>;
  /**
   * Listens on 127.0.0.1 ports and forwards each accepted connection to the pod's port, like
   * `kubectl port-forward`. `ports`: pod ports (each on a free local port), `{ local, remote }`
   * (local 0 picks a free port), or kubectl's strings: "8080:80", ":80", "80" (the same port
   * locally), with a container port's name for the remote ("8080:http").
   */
  forwardPorts(name: string, ports: readonly PortSpec[], opts?: ListenOptions): Promise<PortForwarder>;
  /** Copies a local file or directory into the container (kubectl cp; the container needs tar). */
  copyToPod(name: string, localPath: string, remotePath: string, opts?: CopyOptions): Promise<void>;
  /** Copies a file or directory out of the container (kubectl cp; the container needs tar). */
  copyFromPod(name: string, remotePath: string, localPath: string, opts?: CopyOptions): Promise<void>;
}

type Query = Record<string, string | number | boolean | undefined>;

function logQuery(opts: PodLogOptions | undefined, follow: boolean): Query {
  const q: Query = {};
  if (opts !== undefined) {
    for (const key of [
      "container",
      "previous",
      "sinceSeconds",
      "sinceTime",
      "timestamps",
      "tailLines",
      "limitBytes",
      "insecureSkipTLSVerifyBackend",
      "stream",
    ] as const) {
      const v = opts[key];
      if (v !== undefined) q[key] = v;
    }
  }
  if (follow) q.follow = true;
  return q;
}

type Client = ResourceClient<unknown, unknown, unknown>;

/** The implementation of PodExpansion; the generated pods descriptor carries it. */
export const podExpansion: Expansion<PodExpansion> = {
  async getLogs(this: Client, name: string, opts?: PodLogOptions): Promise<string> {
    requireName(name, "getLogs");
    if (opts?.follow === true) {
      throw new TypeError(
        "getLogs returns the whole log and cannot follow it; use streamLogs(name, opts) to follow",
      );
    }
    return this.rest.requestText(
      this.spec("GET", {
        signal: opts?.signal,
        timeoutMs: opts?.timeoutMs,
        name,
        subresource: "log",
        query: logQuery(opts, false),
        accept: "*/*",
      }),
    );
  },

  async *streamLogs(
    this: Client,
    name: string,
    opts?: PodLogOptions,
  ): AsyncGenerator<string, void, undefined> {
    requireName(name, "streamLogs");
    const stream = await this.rest.requestStream(
      this.spec("GET", {
        signal: opts?.signal,
        timeoutMs: opts?.timeoutMs,
        name,
        subresource: "log",
        query: logQuery(opts, opts?.follow ?? true),
        accept: "*/*",
      }),
    );
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      let nl = rest.indexOf("\n");
      while (nl !== -1) {
        yield rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        nl = rest.indexOf("\n");
      }
    }
    rest += decoder.decode();
    if (rest !== "") yield rest;
  },

  async run(this: Client, name: string, command: readonly string[], opts = {}): Promise<RunResult> {
    requireName(name, "run");
    const { input, ...rest } = opts as { input?: string | Uint8Array } & Omit<ExecOptions, "command">;
    const target = this.spec("GET", { name, subresource: "exec" });
    const session = await openRemoteCommand(
      this.rest,
      target,
      "run",
      { ...rest, stdin: input !== undefined, tty: false },
      command,
    );
    if (input !== undefined) session.stdin!.end(typeof input === "string" ? Buffer.from(input) : input);
    return collect(session);
  },

  async forwardPorts(
    this: Client,
    name: string,
    ports: readonly PortSpec[],
    opts?: ListenOptions,
  ): Promise<PortForwarder> {
    requireName(name, "forwardPorts");
    if (!Array.isArray(ports) || ports.length === 0) {
      // kubectl: "TYPE/NAME and list of ports are required for port-forward"
      throw new TypeError(`forwardPorts: name at least one port to forward from pod ${name}`);
    }
    const parsed = ports.map((p) => (typeof p === "string" ? parsePortString("forwardPorts", p) : p));
    // As kubectl port-forward: a pod that is not running has nothing to forward to, so nothing listens.
    const pod = (await this.get(name, opts?.signal ? { signal: opts.signal } : undefined)) as {
      status?: { phase?: string };
      spec?: { containers?: { ports?: { name?: string; containerPort?: number }[] }[] };
    };
    const phase = pod.status?.phase ?? "";
    const podName = `${this.ns ? `${this.ns}/` : ""}${name}`;
    if (phase !== "Running") {
      const first = parsed[0];
      const port = typeof first === "number" ? first : first?.remote;
      throw new PortForwardError(
        `forwardPorts: pod ${podName} is not running (phase ${phase || "unknown"}): its ports cannot be forwarded; wait until it runs (kubectl: "unable to forward port because pod is not running")`,
        typeof port === "number" ? port : 0,
      );
    }
    // A container port's name is looked up in the pod's containers, as kubectl does.
    const byName = (portName: string): number => {
      for (const c of pod.spec?.containers ?? []) {
        const found = c.ports?.find((p) => p.name === portName);
        if (found?.containerPort !== undefined) return found.containerPort;
      }
      throw new PortForwardError(
        `forwardPorts: pod ${podName} has no container port named '${portName}'; name one of its containers' ports, or give the number`,
        0,
      );
    };
    const pairs = parsed.map((p) => {
      if (typeof p === "number" || !("sameLocal" in p)) return p;
      const remote = typeof p.remote === "number" ? p.remote : byName(p.remote);
      return { local: p.sameLocal ? remote : p.local, remote };
    });
    const target = this.spec("GET", { name, subresource: "portforward" });
    return listenAndForward(
      (port, o) => openPortForward(this.rest, target, "forwardPorts", [port], o),
      pairs,
      opts,
    );
  },

  copyToPod(this: Client, name: string, localPath: string, remotePath: string, opts?: CopyOptions) {
    requireName(name, "copyToPod");
    return copyToPod(this.rest, this.spec("GET", { name, subresource: "exec" }), localPath, remotePath, opts);
  },

  copyFromPod(this: Client, name: string, remotePath: string, localPath: string, opts?: CopyOptions) {
    requireName(name, "copyFromPod");
    return copyFromPod(
      this.rest,
      this.spec("GET", { name, subresource: "exec" }),
      remotePath,
      localPath,
      opts,
    );
  },
};
