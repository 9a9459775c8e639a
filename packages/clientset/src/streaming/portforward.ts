// Port forwarding over WebSocket (the kubelet's portforward.k8s.io WebSocket protocol, which the API
// server relays as it is): one connection carries one TCP connection to each requested port. Port i
// has two channels, 2i (data, both ways) and 2i+1 (errors from the pod's side, such as nothing
// listening); the server starts each channel with the port number (2 bytes, little-endian).

import { createServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { CallOptions, RequestSpec, WebSocketConnection } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";

/** The subprotocol offered (binary channels). */
export const PORT_FORWARD_PROTOCOLS = ["v4.channel.k8s.io"] as const;

export interface PortForwardOptions extends CallOptions {
  /** Close the connection after this long without a frame either way (default: never). */
  idleTimeoutMs?: number;
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

/** One forwarded TCP connection per port, keyed by the pod's port. */
export interface PortForwardStreams {
  /** A duplex per requested port; ending the last one closes the connection. */
  readonly streams: ReadonlyMap<number, Duplex>;
  /** Closes the connection (and every stream) at once. */
  close(): void;
}

/**
 * Opens one port-forward connection to the pod (GET pods/<name>/portforward?ports=...); `target`
 * addresses the subresource, the call options come from `opts`.
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
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new TypeError(`${what}: ports must be 1 to 65535, got ${JSON.stringify(ports)}`);
  }
  let conn: WebSocketConnection | undefined;
  const streams = new Map<number, Duplex>();
  const prefixLeft = ports.map(() => [2, 2]); // bytes of the port prefix still to skip, per channel
  const errors = ports.map(() => [] as Buffer[]);
  let open = ports.length;
  const full = new Set<Duplex>();

  const duplexFor = (index: number, port: number) =>
    new Duplex({
      highWaterMark: 256 * 1024,
      read() {
        full.delete(this);
        if (full.size === 0) conn?.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        const c = conn;
        if (!c?.open)
          return cb(new PortForwardError(`${what}: the connection to port ${port} is closed`, port));
        for (let o = 0; o < chunk.length; o += 1 << 20) c.send([chunk.subarray(o, o + (1 << 20))], 2 * index);
        c.drained().then(() => cb());
      },
      // Chunks that queued up while the socket was busy go out as one frame of up to 1 MiB (fewer,
      // larger frames cross the API server and the kubelet faster).
      writev(chunks: { chunk: Buffer }[], cb) {
        const c = conn;
        if (!c?.open)
          return cb(new PortForwardError(`${what}: the connection to port ${port} is closed`, port));
        let batch: Buffer[] = [];
        let size = 0;
        for (const { chunk } of chunks) {
          if (size + chunk.length > 1 << 20 && batch.length > 0) {
            c.send(batch, 2 * index);
            batch = [];
            size = 0;
          }
          batch.push(chunk);
          size += chunk.length;
        }
        if (batch.length > 0) c.send(batch, 2 * index);
        c.drained().then(() => cb());
      },
      final(cb) {
        // The protocol cannot half-close: the pod's side sees the end when the connection closes.
        cb();
      },
      destroy(err, cb) {
        if (--open === 0) conn?.close();
        cb(err);
      },
    });
  ports.forEach((p, i) => {
    streams.set(p, duplexFor(i, p));
  });
  const byIndex = [...streams.values()];
  const signal = opts.signal;
  const spec: RequestSpec = { ...target, query: { ports: ports.join(",") }, signal };
  if (opts.timeoutMs !== undefined) spec.timeoutMs = opts.timeoutMs;
  const onAbort = () => conn?.destroy();

  conn = await rest.connect(
    spec,
    PORT_FORWARD_PROTOCOLS,
    {
      message(data) {
        if (data.length === 0) return;
        const channel = data[0]!;
        const index = channel >> 1;
        const isError = (channel & 1) === 1;
        const d = byIndex[index];
        if (d === undefined) return;
        let payload = data.subarray(1);
        const skip = Math.min(prefixLeft[index]![channel & 1]!, payload.length);
        prefixLeft[index]![channel & 1]! -= skip;
        payload = payload.subarray(skip);
        if (payload.length === 0) return;
        if (isError) {
          errors[index]!.push(Buffer.from(payload));
          return;
        }
        if (!d.destroyed && !d.push(payload)) {
          full.add(d);
          conn?.pause();
        }
      },
      close(info) {
        signal?.removeEventListener("abort", onAbort);
        ports.forEach((port, i) => {
          const d = byIndex[i]!;
          if (d.destroyed) return;
          const text = Buffer.concat(errors[i]!).toString("utf8");
          if (text) d.destroy(new PortForwardError(`${what}: ${text}`, port));
          else if (signal?.aborted) d.destroy(signal.reason as Error);
          else if (info.error) d.destroy(new PortForwardError(`${what}: ${info.error.message}`, port));
          else {
            // Nothing more comes, and nothing more can be sent: end both sides once the data is read.
            d.once("end", () => d.destroy());
            d.push(null);
          }
        });
      },
    },
    opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {},
  );
  const c = conn;
  if (signal?.aborted) c.destroy();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return { streams, close: () => c.destroy() };
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
 * Listens on local ports and forwards every accepted connection to the pod over a port-forward
 * connection of its own, like `kubectl port-forward`. `ports` are pod ports, or `{ local, remote }`
 * pairs (local 0: any free port).
 */
export async function listenAndForward(
  openOne: (port: number, opts: PortForwardOptions) => Promise<PortForwardStreams>,
  ports: readonly (number | { local?: number; remote: number })[],
  opts: ListenOptions = {},
): Promise<PortForwarder> {
  const address = opts.address ?? "127.0.0.1";
  const onError =
    opts.onError ??
    ((err: Error, p: ForwardedPort) =>
      process.stderr.write(`error forwarding 127.0.0.1:${p.local} -> ${p.remote}: ${err.message}\n`));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const forwards = new Set<PortForwardStreams>();
  const bound: ForwardedPort[] = [];
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
        openOne(fp.remote, opts).then(
          (f) => {
            forwards.add(f);
            const remote = f.streams.get(fp.remote)!;
            remote.on("error", (err) => {
              onError(err, fp);
              socket.destroy();
            });
            socket.on("error", () => remote.destroy());
            remote.on("close", () => {
              forwards.delete(f);
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
        server.once("error", reject);
        server.listen(want.local, address, () => {
          server.off("error", reject);
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
