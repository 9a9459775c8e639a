// exec and attach over WebSocket: the channel protocol of kubectl (v5.channel.k8s.io, else
// v4.channel.k8s.io). Every message is one channel byte and its data: 0 stdin, 1 stdout, 2 stderr,
// 3 the final Status (JSON; a non-zero exit code is its ExitCode cause), 4 terminal size; v5 adds 255,
// "close this channel" (here: the client's stdin). The API server relays it to the kubelet.
import { Readable, Writable } from "node:stream";
import type { CallOptions, RequestSpec, Status, WebSocketClose, WebSocketConnection } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import { channelPayloads } from "./channels.js";

/** The subprotocols offered, newest first: v5 can close stdin, v4 cannot. */
export const REMOTE_COMMAND_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Options of attach (client-go's PodAttachOptions) plus the stream's own. */
export interface AttachOptions extends CallOptions {
  /** Which container; required when the pod has more than one. */
  container?: string;
  /** Send stdin (default false). */
  stdin?: boolean;
  /** Receive stdout (default true). */
  stdout?: boolean;
  /** Receive stderr (default true; always false with a TTY, whose output is all stdout). */
  stderr?: boolean;
  /** Allocate a terminal (resize() sets its size). */
  tty?: boolean;
  /** Close the stream after this long without a frame either way (default: never). */
  idleTimeoutMs?: number;
  /** Subprotocols to offer, in preference order (default REMOTE_COMMAND_PROTOCOLS). */
  protocols?: readonly string[];
}

/** Options of exec (client-go's PodExecOptions) plus the stream's own. */
export interface ExecOptions extends AttachOptions {
  /** The command and its arguments (no shell unless you run one). */
  command: readonly string[];
}

/** How a command ended: its exit code (0 on success) and the Status the kubelet sent. */
export interface ExitStatus {
  exitCode: number;
  status: Status;
}

/** The command could not run or ended without an exit code (the Status says why). */
export class RemoteCommandError extends Error {
  constructor(
    message: string,
    /** The Status the server sent, when it sent one. */
    readonly status?: Status,
  ) {
    super(message);
    this.name = "RemoteCommandError";
  }
}

/** A running exec or attach: the command's streams, its terminal, and how it ended. */
export interface RemoteCommandSession {
  /** The subprotocol in use: "v5.channel.k8s.io" or "v4.channel.k8s.io". */
  readonly protocol: string;
  /** The command's stdin (with `stdin: true`); end() closes it on v5 (closeStdin). */
  readonly stdin: Writable | null;
  /** The command's stdout (with `stdout`, the default); ends when the session does. */
  readonly stdout: Readable | null;
  /** The command's stderr (with `stderr`, the default, and no TTY). */
  readonly stderr: Readable | null;
  /**
   * Resolves when the command ended: exit code 0, or a non-zero code with its Status. Rejects with a
   * RemoteCommandError when the kubelet reports a failure without an exit code, and with the abort
   * reason (or the connection's error) when the session ended before the command.
   */
  readonly status: Promise<ExitStatus>;
  /**
   * Closes the command's stdin, so `cat` and the like end (v5 only: the v4 protocol has no way to
   * say so, and this throws a RemoteCommandError naming the protocol).
   */
  closeStdin(): void;
  /** Sets the terminal's size (with `tty: true`). */
  resize(cols: number, rows: number): void;
  /** Ends the session: the connection is cut, and the node kills the command. */
  close(): void;
}

/** `run`'s result: the whole output and the exit code. */
export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

function query(opts: AttachOptions, command?: readonly string[]): RequestSpec["query"] {
  const tty = opts.tty ?? false;
  const q: NonNullable<RequestSpec["query"]> = {
    stdin: opts.stdin ?? false,
    stdout: opts.stdout ?? true,
    stderr: tty ? false : (opts.stderr ?? true),
    tty,
  };
  if (opts.container !== undefined) q.container = opts.container;
  if (command !== undefined) q.command = command;
  return q;
}

const MiB = 1024 * 1024;
/** Output of a stream nobody reads that is kept before the command is paused. */
const UNREAD_LIMIT = 16 * MiB;

function exitCodeOf(status: Status): number | undefined {
  if (status.status === "Success") return 0;
  if (status.reason !== "NonZeroExitCode") return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Opens exec (with `command`) or attach on a pod and returns the live session. `target` addresses the
 * subresource (pods/<name>/exec or attach); the query and the call options come from `opts`.
 */
export async function openRemoteCommand(
  rest: RestInterface,
  target: RequestSpec,
  what: string,
  opts: AttachOptions,
  command?: readonly string[],
): Promise<RemoteCommandSession> {
  if (!rest.connect) {
    throw new TypeError(`${what}: this client cannot open streams (it has no RESTClient.connect)`);
  }
  const tty = opts.tty ?? false;
  const wantStdin = opts.stdin ?? false;
  const wantStdout = opts.stdout ?? true;
  const wantStderr = !tty && (opts.stderr ?? true);
  if (!wantStdin && !wantStdout && !wantStderr) {
    throw new TypeError(`${what}: at least one of stdin, stdout and stderr must be true`);
  }

  let conn: WebSocketConnection | undefined;
  let stdinStream: Writable | null = null;
  const full = new Set<Readable>();
  const readable = () =>
    new Readable({
      highWaterMark: 256 * 1024,
      read() {
        full.delete(this);
        if (full.size === 0) conn?.resume();
      },
    });
  const stdout = wantStdout ? readable() : null;
  const stderr = wantStderr ? readable() : null;
  const errorChunks: Buffer[] = [];
  let settle!: { resolve(s: ExitStatus): void; reject(e: unknown): void };
  const status = new Promise<ExitStatus>((resolve, reject) => {
    settle = { resolve, reject };
  });
  status.catch(() => {}); // a caller that only reads the streams must not see an unhandled rejection

  // stdout and stderr share one connection, so a full stream pauses both. A stream nobody has begun
  // to read (readableFlowing null: no 'data' or 'readable' listener, no pipe) is buffered instead, up
  // to UNREAD_LIMIT: reading only stdout, or only awaiting `status`, must not stall the command.
  let warned = false;
  const deliver = (target: Readable | null, name: string, data: Buffer) => {
    if (target === null || target.destroyed) return;
    if (target.push(data)) return;
    if (target.readableFlowing === null && target.readableLength < UNREAD_LIMIT) return;
    if (target.readableFlowing === null && !warned) {
      warned = true;
      process.emitWarning(
        `${what}: ${UNREAD_LIMIT / MiB} MiB of ${name} were not read, so the command is paused until they are; read ${name} (or pass ${name}: false)`,
        "RemoteCommandWarning",
      );
    }
    full.add(target);
    conn?.pause();
  };
  const signal = opts.signal;
  const spec: RequestSpec = { ...target, query: query(opts, command), signal };
  if (opts.timeoutMs !== undefined) spec.timeoutMs = opts.timeoutMs;
  const finish = (info: WebSocketClose) => {
    signal?.removeEventListener("abort", onAbort);
    const text = Buffer.concat(errorChunks).toString("utf8");
    let st: Status | undefined;
    if (text.length > 0) {
      try {
        st = JSON.parse(text) as Status;
      } catch {
        // v1-style plain text error
        st = { kind: "Status", apiVersion: "v1", status: "Failure", message: text, reason: "InternalError" };
      }
    }
    const endStreams = (err?: unknown) => {
      for (const r of [stdout, stderr]) {
        if (r === null || r.destroyed) continue;
        if (err) r.destroy(err as Error);
        else r.push(null);
      }
      if (stdinStream && !stdinStream.destroyed) stdinStream.destroy();
    };
    if (signal?.aborted) {
      endStreams();
      settle.reject(signal.reason);
      return;
    }
    if (st) {
      endStreams();
      const code = exitCodeOf(st);
      if (code !== undefined) settle.resolve({ exitCode: code, status: st });
      else settle.reject(new RemoteCommandError(`${what}: ${st.message ?? st.reason ?? "failed"}`, st));
      return;
    }
    const why = info.error
      ? info.error.message
      : `the connection closed (code ${info.code}${info.reason ? `: ${info.reason}` : ""}) before the command's exit status`;
    const err = new RemoteCommandError(`${what}: ${why}`);
    endStreams();
    settle.reject(err);
  };
  const onAbort = () => conn?.destroy();

  const connectOpts = opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {};
  conn = await rest.connect(
    spec,
    opts.protocols ?? REMOTE_COMMAND_PROTOCOLS,
    {
      data: channelPayloads((channel, payload) => {
        if (channel === STDOUT) deliver(stdout, "stdout", payload);
        else if (channel === STDERR) deliver(stderr, "stderr", payload);
        else if (channel === ERROR) errorChunks.push(payload);
      }),
      close: (info) => finish(info),
    },
    connectOpts,
  );
  const c = conn;
  const v5 = c.protocol === "v5.channel.k8s.io";
  if (signal?.aborted) c.destroy();
  else signal?.addEventListener("abort", onAbort, { once: true });

  let stdinClosed = false;
  const closeStdin = () => {
    if (stdinClosed) return;
    if (!v5) {
      throw new RemoteCommandError(
        `${what}: closing stdin needs the v5.channel.k8s.io protocol, and the server chose ${c.protocol || "none"}; end the session with close() instead`,
      );
    }
    stdinClosed = true;
    c.send([Buffer.from([STDIN])], CLOSE);
  };
  stdinStream = wantStdin
    ? new Writable({
        highWaterMark: 256 * 1024,
        write(chunk: Buffer, _enc, cb) {
          if (!c.open) return cb();
          // Frames of at most 1 MiB (the server's limit is 32 MiB per message).
          for (let o = 0; o < chunk.length; o += 1 << 20) c.send([chunk.subarray(o, o + (1 << 20))], STDIN);
          c.drained().then(() => cb());
        },
        final(cb) {
          if (v5 && c.open) closeStdin();
          cb();
        },
      })
    : null;

  return {
    protocol: c.protocol,
    stdin: stdinStream,
    stdout,
    stderr,
    status,
    closeStdin() {
      if (!wantStdin)
        throw new RemoteCommandError(`${what}: the session has no stdin (open it with stdin: true)`);
      if (!v5) closeStdin();
      else if (stdinStream && !stdinStream.writableEnded) stdinStream.end();
      else closeStdin();
    },
    resize(cols: number, rows: number) {
      if (!tty)
        throw new RemoteCommandError(`${what}: resize needs a terminal (open the session with tty: true)`);
      c.send([Buffer.from(JSON.stringify({ Width: cols, Height: rows }))], RESIZE);
    },
    close() {
      // Not the close handshake: the API server answers a close frame by closing the command's
      // stdin and lets the command run on (client-node#2532); a connection that breaks ends it.
      c.destroy();
    },
  };
}

/** Runs a session to its end, collecting stdout and stderr: what `run` returns. */
export async function collect(session: RemoteCommandSession): Promise<RunResult> {
  const read = async (r: Readable | null) => {
    if (r === null) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const [stdout, stderr, st] = await Promise.all([
    read(session.stdout),
    read(session.stderr),
    session.status,
  ]);
  return { stdout, stderr, exitCode: st.exitCode };
}
