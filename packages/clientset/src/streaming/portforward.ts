// Port forwarding over WebSocket, in the API server's two ways. Preferred: "SPDY/3.1+portforward.k8s.io",
// the SPDY tunnel kubectl uses: one WebSocket carries a SPDY session to the kubelet, and every
// forwarded TCP connection is a pair of streams in it (data, and errors from the pod's side), with
// half-close. Fallback (servers without the tunnel): the kubelet's own WebSocket protocol
// ("v4.channel.k8s.io"), relayed unchanged: one WebSocket per TCP connection, port i on channels 2i
// (data) and 2i+1 (errors), each started with the port number (2 bytes, little-endian); it cannot
// half-close.
import { createServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { CallOptions, RequestSpec, WebSocketConnection } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import { channelPayloads } from "./channels.js";
import { SpdySession, type SpdyStream } from "./spdy.js";

const SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io";
const CHANNELS = "v4.channel.k8s.io";

/**
 * How long bytes sent to the pod may still be on their way to the node: the round trip through the
 * API server, with a wide margin for loaded machines.
 */
const IN_FLIGHT_MS = 2000;

/** The subprotocols offered: the SPDY tunnel, then the kubelet's WebSocket channels. */
export const PORT_FORWARD_PROTOCOLS = [SPDY_TUNNEL, CHANNELS] as const;

export interface PortForwardOptions extends CallOptions {
  /** Close the connection after this long without a frame either way (default: never). */
  idleTimeoutMs?: number;
  /** Subprotocols to offer, in preference order (default PORT_FORWARD_PROTOCOLS). */
  protocols?: readonly string[];
}

/** The pod's side could not forward: e.g. nothing listens on the port in the pod. */
export class PortForwardError extends Error {
  constructor(
    message: string,
    readonly port: number,
  ) {
    super(message);
    this.name = "PortForwardError";
  }
}

/** A port-forward connection: one TCP connection to each requested port, and more on demand. */
export interface PortForwardStreams {
  /** The subprotocol in use: "SPDY/3.1+portforward.k8s.io" or "v4.channel.k8s.io". */
  readonly protocol: string;
  /**
   * A duplex per requested port. With the SPDY tunnel, end() half-closes (the pod's side reads
   * EOF); with v4 channels the pod sees the end only when the connection closes.
   */
  readonly streams: ReadonlyMap<number, Duplex>;
  /**
   * One more TCP connection to `port` in the pod: a new stream pair in the same WebSocket (SPDY
   * tunnel), or a new WebSocket (v4 channels).
   */
  connect(port: number): Promise<Duplex>;
  /** Whether the WebSocket is still open. */
  readonly open: boolean;
  /**
   * False once the pod's side ended a connection while this side was still sending to it, or had sent
   * to it within the last 2 s (SPDY tunnel): the node may never read those bytes, and the kubelet's SPDY library then stops handling
   * every stream that shares their frame worker, so a new connection can hang. Open a new tunnel for
   * new connections (forwardPorts does).
   */
  readonly healthy: boolean;
  /** Closes the connection (and every stream) at once. */
  close(): void;
}

/** Whether `p` is a TCP port number from `min` (1; 0 where it means "any free port") to 65535. */
function isPort(p: unknown, min = 1): boolean {
  return Number.isInteger(p) && (p as number) >= min && (p as number) <= 65535;
}

/** A port to forward: a pod port, a `{ local, remote }` pair, or one of kubectl port-forward's strings. */
export type PortSpec = number | string | { local?: number; remote: number };

/** A kubectl port string, parsed: `remote` is a number or a container port's name. */
export interface ParsedPort {
  local: number;
  remote: number | string;
  /** No colon ("8080", "http"): the local port is the remote one, once a name is resolved. */
  sameLocal: boolean;
}

/** A container port's name (IANA_SVC_NAME): up to 15 lowercase letters, digits and inner dashes, a letter among them. */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/**
 * Parses kubectl port-forward's forms: "8080:80" (local:remote), ":80" and "0:80" (any free local
 * port), "80" (the same port on both sides); the remote port may be a container port's name
 * ("8080:http", "http"). Bad syntax is a TypeError naming the string.
 */
export function parsePortString(what: string, spec: string): ParsedPort {
  const parts = spec.split(":");
  if (parts.length > 2) {
    throw new TypeError(
      `${what}: invalid port format '${spec}': use "local:remote", ":remote" (any free local port) or "port"`,
    );
  }
  const remoteText = parts[parts.length - 1]!;
  const localText = parts.length === 1 ? undefined : parts[0] || "0";
  let remote: number | string;
  if (/^[0-9]+$/.test(remoteText)) remote = Number(remoteText);
  else if (PORT_NAME.test(remoteText)) remote = remoteText;
  else {
    throw new TypeError(
      `${what}: error parsing remote port '${remoteText}' in '${spec}': it must be a port number from 1 to 65535 or a container port's name`,
    );
  }
  if (typeof remote === "number" && !isPort(remote)) {
    throw new TypeError(`${what}: the pod port ${remoteText} in '${spec}' must be from 1 to 65535`);
  }
  if (localText === undefined)
    return { local: typeof remote === "number" ? remote : 0, remote, sameLocal: true };
  const local = /^[0-9]+$/.test(localText) ? Number(localText) : Number.NaN;
  if (!isPort(local, 0)) {
    throw new TypeError(
      `${what}: error parsing local port '${localText}' in '${spec}': it must be from 0 (any free port) to 65535`,
    );
  }
  return { local, remote, sameLocal: false };
}

function checkPorts(what: string, ports: readonly number[]): void {
  if (ports.some((p) => !isPort(p))) {
    throw new TypeError(`${what}: ports must be 1 to 65535, got ${JSON.stringify(ports)}`);
  }
}

/** Readable sides share one socket: reading pauses while any of them is full. */
class Backpressure {
  readonly #full = new Set<Duplex>();
  conn: WebSocketConnection | undefined;
  push(d: Duplex, data: Buffer): void {
    if (d.destroyed) return;
    if (!d.push(data)) {
      this.#full.add(d);
      this.conn?.pause();
    }
  }
  drained(d: Duplex): void {
    this.#full.delete(d);
    if (this.#full.size === 0) this.conn?.resume();
  }
}

/** One forwarded TCP connection over the SPDY session: its data and error streams as a Duplex. */
async function spdyConnection(
  session: SpdySession,
  conn: WebSocketConnection,
  bp: Backpressure,
  what: string,
  port: number,
  requestId: number,
  suspect: () => void,
): Promise<Duplex> {
  const headers = { port: String(port), requestid: String(requestId) };
  const errorStream = await session.open({ streamtype: "error", ...headers });
  errorStream.end(); // the client never writes to it, as kubectl does not
  const errorText: Buffer[] = [];
  errorStream.onData = (b) => errorText.push(b);
  let data: SpdyStream;
  try {
    data = await session.open({ streamtype: "data", ...headers });
  } catch (err) {
    errorStream.reset();
    throw err;
  }
  let remoteEnded = false;
  let localEnded = false;
  let lastWrite = Number.NEGATIVE_INFINITY;
  const failure = () => {
    const text = Buffer.concat(errorText).toString("utf8");
    return text ? new PortForwardError(`${what}: ${text}`, port) : undefined;
  };
  /** Our side's bytes to the pod, whole: the callback once the WebSocket can take more. */
  const send = (bytes: Buffer | Buffer[], cb: (err?: Error) => void): void => {
    if (!conn.open) {
      cb(new PortForwardError(`${what}: the connection to port ${port} is closed`, port));
      return;
    }
    if (remoteEnded) suspect();
    lastWrite = performance.now();
    if (data.write(bytes)) cb();
    else conn.drained().then(() => cb());
  };
  const d = new Duplex({
    highWaterMark: 256 * 1024,
    read() {
      bp.drained(this);
    },
    write(chunk: Buffer, _enc, cb) {
      send(chunk, cb);
    },
    writev(chunks: { chunk: Buffer }[], cb) {
      send(
        chunks.map((c) => c.chunk),
        cb,
      );
    },
    final(cb) {
      localEnded = true;
      data.end();
      cb();
    },
    destroy(err, cb) {
      if (!remoteEnded || !localEnded) {
        data.reset();
        errorStream.reset();
      }
      cb(err);
    },
  });
  data.onData = (b) => bp.push(d, b);
  data.onEnd = () => {
    remoteEnded = true;
    // Still sending, or sent so recently that the bytes may still be on their way, when the pod's side
    // ended: bytes the node may never read (see `healthy`). Data long since sent was read by the node
    // (it reads as long as it can write to the pod), so a server that answers and closes is no risk.
    if (!localEnded && (d.writableLength > 0 || performance.now() - lastWrite < IN_FLIGHT_MS)) suspect();
    const err = failure();
    if (err) d.destroy(err);
    else {
      d.once("end", () => {
        if (d.writableFinished || localEnded) d.destroy();
      });
      d.push(null);
    }
  };
  data.onReset = (status, sessionError) => {
    remoteEnded = true;
    // A reset by the pod's side is an error; the session's clean end (close()) is not.
    const err =
      failure() ??
      sessionError ??
      (status === -1
        ? undefined
        : new PortForwardError(`${what}: the connection to port ${port} was reset`, port));
    d.destroy(err);
  };
  return d;
}

/**
 * Opens a port-forward connection to the pod (GET pods/<name>/portforward?ports=...) with one TCP
 * connection to each of `ports`; `target` addresses the subresource, the call options come from
 * `opts`.
 */
export async function openPortForward(
  rest: RestInterface,
  target: RequestSpec,
  what: string,
  ports: readonly number[],
  opts: PortForwardOptions = {},
): Promise<PortForwardStreams> {
  if (!rest.connect) {
    throw new TypeError(`${what}: this client cannot open streams (it has no RESTClient.connect)`);
  }
  if (ports.length === 0) throw new TypeError(`${what}: name at least one port`);
  checkPorts(what, ports);
  const signal = opts.signal;
  const spec: RequestSpec = { ...target, query: { ports: ports.join(",") }, signal };
  if (opts.timeoutMs !== undefined) spec.timeoutMs = opts.timeoutMs;
  const bp = new Backpressure();
  // Until the protocol is known (right after the handshake), what arrives waits here.
  let onData: ((piece: Buffer, first: boolean) => void) | undefined;
  let onClose: ((err: Error | undefined) => void) | undefined;
  const early: [Buffer, boolean][] = [];
  let earlyClose: Error | null | undefined;
  const onAbort = () => conn?.destroy();
  let conn: WebSocketConnection | undefined;
  conn = await rest.connect(
    spec,
    opts.protocols ?? PORT_FORWARD_PROTOCOLS,
    {
      data(piece, first) {
        if (onData) onData(piece, first);
        else early.push([piece, first]);
      },
      close(info) {
        signal?.removeEventListener("abort", onAbort);
        const err = signal?.aborted
          ? (signal.reason as Error)
          : info.error
            ? new PortForwardError(`${what}: ${info.error.message}`, ports[0]!)
            : undefined;
        if (onClose) onClose(err);
        else earlyClose = err ?? null;
      },
    },
    opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {},
  );
  const c = conn;
  bp.conn = c;
  if (signal?.aborted) c.destroy();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const ready = () => {
    for (const [piece, first] of early.splice(0)) onData!(piece, first);
    if (earlyClose !== undefined) onClose!(earlyClose ?? undefined);
  };

  if (c.protocol === SPDY_TUNNEL) {
    const session = new SpdySession(c);
    let requestId = 0;
    let healthy = true;
    const suspect = () => {
      healthy = false;
    };
    onData = (piece) => session.receive(piece);
    onClose = (err) => session.closed(err);
    ready();
    const connect = (port: number) => {
      checkPorts(what, [port]);
      return spdyConnection(session, c, bp, what, port, requestId++, suspect);
    };
    const streams = new Map<number, Duplex>();
    try {
      for (const p of ports) streams.set(p, await connect(p));
    } catch (err) {
      c.destroy();
      throw err;
    }
    return {
      protocol: c.protocol,
      streams,
      connect,
      get open() {
        return c.open;
      },
      get healthy() {
        return healthy;
      },
      close: () => c.destroy(),
    };
  }

  // v4 channels: this WebSocket is one TCP connection per requested port.
  const prefixLeft = ports.map(() => [2, 2]); // bytes of the port prefix still to skip, per channel
  const errors = ports.map(() => [] as Buffer[]);
  let open = ports.length;
  const byIndex = ports.map(
    (port, index) =>
      new Duplex({
        highWaterMark: 256 * 1024,
        read() {
          bp.drained(this);
        },
        write(chunk: Buffer, _enc, cb) {
          if (!c.open)
            return cb(new PortForwardError(`${what}: the connection to port ${port} is closed`, port));
          for (let o = 0; o < chunk.length; o += 1 << 20)
            c.send([chunk.subarray(o, o + (1 << 20))], 2 * index);
          c.drained().then(() => cb());
        },
        final(cb) {
          // The protocol cannot half-close: the pod's side sees the end when the connection closes.
          cb();
        },
        destroy(err, cb) {
          if (--open === 0) c.close();
          cb(err);
        },
      }),
  );
  onData = channelPayloads((channel, data) => {
    const index = channel >> 1;
    const d = byIndex[index];
    if (d === undefined) return;
    const skip = Math.min(prefixLeft[index]![channel & 1]!, data.length);
    prefixLeft[index]![channel & 1]! -= skip;
    const payload = data.subarray(skip);
    if (payload.length === 0) return;
    if ((channel & 1) === 1) errors[index]!.push(payload);
    else bp.push(d, payload);
  });
  onClose = (err) => {
    ports.forEach((port, i) => {
      const d = byIndex[i]!;
      if (d.destroyed) return;
      const text = Buffer.concat(errors[i]!).toString("utf8");
      if (text) d.destroy(new PortForwardError(`${what}: ${text}`, port));
      else if (err) d.destroy(err);
      else {
        // Nothing more comes, and nothing more can be sent: end both sides once the data is read.
        d.once("end", () => d.destroy());
        d.push(null);
      }
    });
  };
  ready();
  const streams = new Map(ports.map((p, i) => [p, byIndex[i]!] as const));
  return {
    protocol: c.protocol,
    streams,
    async connect(port: number) {
      const more = await openPortForward(rest, target, what, [port], { ...opts, protocols: [CHANNELS] });
      return more.streams.get(port)!;
    },
    get open() {
      return c.open;
    },
    healthy: true, // every connection has a WebSocket of its own
    close: () => c.destroy(),
  };
}

/** A local port and the pod's port it forwards to. */
export interface ForwardedPort {
  local: number;
  remote: number;
}

/** What `listen` returns: the bound ports, and close(). */
export interface PortForwarder {
  /** The local ports (127.0.0.1) and the pod ports they forward to, in the order given. */
  readonly ports: readonly ForwardedPort[];
  /** Stops listening and closes every forwarded connection. */
  close(): Promise<void>;
}

/** Where each accepted connection goes: `kubectl port-forward`'s "local:remote" pairs. */
export interface ListenOptions extends PortForwardOptions {
  /** Address to listen on (default 127.0.0.1). */
  address?: string;
  /** Called with each connection's failure (default: written to stderr, as kubectl does). */
  onError?: (err: Error, port: ForwardedPort) => void;
}

/**
 * Listens on local ports and forwards every accepted connection to the pod, like `kubectl
 * port-forward`: over one SPDY tunnel shared by all connections (opened again if it breaks), or with
 * v4 channels one WebSocket per connection. `ports` are pod ports, or `{ local, remote }` pairs
 * (local 0: any free port).
 */
export async function listenAndForward(
  openOne: (port: number, opts: PortForwardOptions) => Promise<PortForwardStreams>,
  ports: readonly (number | { local?: number; remote: number })[],
  opts: ListenOptions = {},
): Promise<PortForwarder> {
  // Every pair is checked before anything listens, as kubectl checks its arguments before it connects.
  for (const p of ports) {
    const remote = typeof p === "number" ? p : p?.remote;
    const local = typeof p === "number" ? 0 : (p?.local ?? 0);
    if (!isPort(remote)) {
      throw new TypeError(
        `forwardPorts: the pod port ${JSON.stringify(remote)} in ${JSON.stringify(p)} must be an integer from 1 to 65535`,
      );
    }
    if (!isPort(local, 0)) {
      throw new TypeError(
        `forwardPorts: the local port ${JSON.stringify(local)} in ${JSON.stringify(p)} must be an integer from 0 (any free port) to 65535`,
      );
    }
  }
  const address = opts.address ?? "127.0.0.1";
  const onError =
    opts.onError ??
    ((err: Error, p: ForwardedPort) =>
      process.stderr.write(`error forwarding 127.0.0.1:${p.local} -> ${p.remote}: ${err.message}\n`));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const forwards = new Set<PortForwardStreams>();
  const bound: ForwardedPort[] = [];
  let shared: Promise<PortForwardStreams> | undefined;
  // Connections open per tunnel: a tunnel that is no longer healthy is closed with its last one.
  const active = new Map<PortForwardStreams, number>();
  const track = (t: PortForwardStreams, d: Duplex): Duplex => {
    active.set(t, (active.get(t) ?? 0) + 1);
    d.once("close", () => {
      const n = (active.get(t) ?? 1) - 1;
      active.set(t, n);
      if (n === 0 && (!t.healthy || !t.open)) {
        t.close();
        forwards.delete(t);
        active.delete(t);
      }
    });
    return d;
  };
  const fresh = (port: number): Promise<Duplex> => {
    const f = openOne(port, opts);
    shared = f;
    return f.then((t) => {
      forwards.add(t);
      return track(t, t.streams.get(port)!);
    });
  };
  const connectTo = (port: number): Promise<Duplex> => {
    const current = shared;
    if (current === undefined) return fresh(port);
    return current.then(
      (t) => (t.open && t.healthy ? t.connect(port).then((d) => track(t, d)) : fresh(port)),
      () => fresh(port),
    );
  };
  const closeAll = async () => {
    for (const f of forwards) f.close();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  try {
    for (const p of ports) {
      const want =
        typeof p === "number" ? { local: 0, remote: p } : { local: p.local ?? 0, remote: p.remote };
      const fp: ForwardedPort = { local: want.local, remote: want.remote };
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.pause();
        connectTo(fp.remote).then(
          (remote) => {
            remote.on("error", (err) => {
              onError(err, fp);
              socket.destroy();
            });
            socket.on("error", () => remote.destroy());
            remote.on("close", () => {
              if (!socket.destroyed) socket.end();
            });
            socket.on("close", () => remote.destroy());
            socket.pipe(remote);
            remote.pipe(socket);
            socket.resume();
          },
          (err: Error) => {
            onError(err, fp);
            socket.destroy();
          },
        );
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        const failed = (err: NodeJS.ErrnoException) => {
          const e: NodeJS.ErrnoException = new Error(
            `forwardPorts: cannot listen on ${address}:${want.local} for the pod's port ${want.remote} (${err.code ?? err.message}); choose another local port, or 0 for any free one`,
            { cause: err },
          );
          if (err.code !== undefined) e.code = err.code;
          reject(e);
        };
        server.once("error", failed);
        server.listen(want.local, address, () => {
          server.off("error", failed);
          resolve();
        });
      });
      const addr = server.address();
      fp.local = typeof addr === "object" && addr ? addr.port : want.local;
      bound.push(fp);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { ports: bound, close: closeAll };
}
