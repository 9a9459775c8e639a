// HTTP/1.1 keep-alive connections to one API server, without a proxy: the engine under transport.ts's
// send and upgrade. One request per connection at a time (no pipelining), as many connections as
// requests in flight, idle ones reused newest first. It speaks undici's dispatch-handler contract
// (onConnect, onHeaders, onData, onComplete, onError, onUpgrade), so the same handlers serve it and
// undici's ProxyAgent (the proxied configs). It exists for its cost: on a small GET undici's client
// took about 2.5× the CPU of this loop (P3 in packages/bench), and on two cores the client's CPU is the
// API server's loss.
import { isIP, connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import type { TLSOptions } from "./transport.js";

/** What a dispatch hands back to its caller: the subset of undici's DispatchHandler this pool calls. */
export interface Http1Handler {
  /** Called at once: `abort(err)` ends the request (destroying its connection) and reports `err`. */
  onConnect?(abort: (err?: Error) => void): void;
  onRequestSent?(): void;
  /** Header names and values in turn, as received. Returning false pauses reading until `resume()`. */
  onHeaders?(statusCode: number, raw: (Buffer | string)[], resume: () => void, statusText: string): boolean;
  /** Returning false pauses reading until the `resume` given to onHeaders is called. */
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onError?(err: Error): void;
  /**
   * A 101 answer to an upgrade request: the socket is the caller's from now on, paused (resume() it
   * once listening), and `head` holds what came after the answer's head.
   */
  onUpgrade?(statusCode: number, raw: (Buffer | string)[] | null, socket: Duplex, head?: Buffer): void;
}

export interface Http1Request {
  path: string;
  method: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** "websocket" makes it an upgrade request (Connection: upgrade). */
  upgrade?: string;
  /** Limit until the response's headers (0 or undefined: none). */
  headersTimeout?: number;
}

/** An error with an errno-style code, as undici names its own (retry.ts and describeFailure read them). */
function codeError(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code });
}

/** Connecting (TCP and TLS) gives up after this long, as undici's default connect timeout does. */
const CONNECT_TIMEOUT_MS = 10_000;
/** An idle connection is closed after this long (the server may close it sooner: then it goes at once). */
const IDLE_TIMEOUT_MS = 30_000;
/** TCP keep-alive probes start after this long without traffic, as with client-go's dialer (30 s). */
const TCP_KEEPALIVE_MS = 30_000;
/** A response head larger than this is refused (Go's http client allows 1 MiB; undici 16 KiB). */
const MAX_HEAD_BYTES = 1 << 20;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const EMPTY = Buffer.alloc(0);

/** One request in flight: its handler, and whether it has already ended for its caller. */
class Pending {
  ended = false;
  conn: Connection | undefined;
  /** A reused connection failed before any answer: an idempotent request is sent once more. */
  retried = false;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly req: Http1Request,
    readonly head: string,
    readonly handler: Http1Handler,
  ) {}

  fail(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.handler.onError?.(err);
  }
}

type BodyMode = "none" | "length" | "chunked" | "close";

/** One socket and the parse state of the response on it. */
class Connection {
  readonly socket: Socket;
  connected = false;
  /** Requests it has completed: a failure on a reused connection may be the server closing it. */
  served = 0;
  idleSince = 0;
  current: Pending | undefined;
  #buf: Buffer | undefined;
  #paused = false;
  #state: "head" | "body" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailers" | "idle" = "idle";
  #mode: BodyMode = "none";
  #remaining = 0;
  #keepAlive = true;
  #gotBytes = false;
  readonly #pool: Http1Pool;

  constructor(pool: Http1Pool, socket: Socket) {
    this.#pool = pool;
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err: Error) => this.#closed(err));
    socket.on("close", () => this.#closed(undefined));
    socket.on("end", () => this.#onEnd());
  }

  /** Writes the request; the response goes to its handler. */
  start(p: Pending): void {
    this.current = p;
    p.conn = this;
    this.#state = "head";
    this.#gotBytes = false;
    this.#keepAlive = true;
    this.socket.ref();
    const body = p.req.body;
    if (body === undefined || body.length === 0) this.socket.write(p.head, "latin1");
    else {
      this.socket.cork();
      this.socket.write(p.head, "latin1");
      this.socket.write(body);
      this.socket.uncork();
    }
    p.handler.onRequestSent?.();
  }

  resume = (): void => {
    if (!this.#paused) return;
    this.#paused = false;
    const rest = this.#buf ?? EMPTY;
    this.#buf = undefined;
    this.#feed(rest); // also ends a body that was complete when reading paused
    if (!this.#paused && !this.socket.destroyed) this.socket.resume();
  };

  #onData(chunk: Buffer): void {
    if (this.current === undefined) {
      // Bytes on an idle connection are no answer to anything: the connection cannot be trusted.
      this.socket.destroy();
      return;
    }
    this.#gotBytes = true;
    if (this.#paused) {
      this.#buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
      return;
    }
    const data = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#buf = undefined;
    this.#feed(data);
  }

  /** Parses `data`; a handler that throws fails its request and ends the connection, as with undici. */
  #feed(data: Buffer): void {
    try {
      this.#parse(data);
    } catch (err) {
      const p = this.current;
      this.socket.destroy();
      p?.fail(err as Error);
    }
  }

  /** Parses `data` as far as it goes; what is left (an incomplete head or chunk line) waits in #buf. */
  #parse(data: Buffer): void {
    let off = 0;
    while (off < data.length || this.#state === "body") {
      const p = this.current;
      if (p === undefined || p.ended) {
        if (off < data.length) this.socket.destroy();
        return;
      }
      if (this.#paused) {
        this.#buf = data.subarray(off);
        return;
      }
      switch (this.#state) {
        case "head": {
          const end = data.indexOf("\r\n\r\n", off, "latin1");
          if (end < 0) {
            if (data.length - off > MAX_HEAD_BYTES) {
              this.#protocolError(`a response head longer than ${MAX_HEAD_BYTES} bytes`);
              return;
            }
            this.#buf = data.subarray(off);
            return;
          }
          const head = data.toString("latin1", off, end);
          off = end + 4;
          if (!this.#onHead(p, head, data.subarray(off))) return;
          break;
        }
        case "body": {
          if (this.#mode === "none") {
            this.#complete(p, data.subarray(off));
            return;
          }
          if (off >= data.length) return;
          if (this.#mode === "close") {
            this.#deliver(p, data.subarray(off));
            off = data.length;
            break;
          }
          const n = Math.min(this.#remaining, data.length - off);
          this.#remaining -= n;
          const part = data.subarray(off, off + n);
          off += n;
          this.#deliver(p, part);
          if (this.#remaining === 0) {
            this.#complete(p, data.subarray(off));
            return;
          }
          break;
        }
        case "chunk-size": {
          const eol = data.indexOf("\r\n", off, "latin1");
          if (eol < 0) {
            if (data.length - off > 4096) {
              this.#protocolError("a chunk size line longer than 4096 bytes");
              return;
            }
            this.#buf = data.subarray(off);
            return;
          }
          const line = data.toString("latin1", off, eol);
          off = eol + 2;
          const semi = line.indexOf(";");
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
            this.#protocolError(`a bad chunk size "${hex}"`);
            return;
          }
          this.#remaining = Number.parseInt(hex, 16);
          this.#state = this.#remaining === 0 ? "trailers" : "chunk-data";
          break;
        }
        case "chunk-data": {
          const n = Math.min(this.#remaining, data.length - off);
          this.#remaining -= n;
          const part = data.subarray(off, off + n);
          off += n;
          if (this.#remaining === 0) this.#state = "chunk-crlf";
          this.#deliver(p, part);
          break;
        }
        case "chunk-crlf": {
          if (data.length - off < 2) {
            this.#buf = data.subarray(off);
            return;
          }
          if (data[off] !== 13 || data[off + 1] !== 10) {
            this.#protocolError("a chunk not ended by CRLF");
            return;
          }
          off += 2;
          this.#state = "chunk-size";
          break;
        }
        case "trailers": {
          const eol = data.indexOf("\r\n", off, "latin1");
          if (eol < 0) {
            if (data.length - off > MAX_HEAD_BYTES) {
              this.#protocolError(`trailers longer than ${MAX_HEAD_BYTES} bytes`);
              return;
            }
            this.#buf = data.subarray(off);
            return;
          }
          const empty = eol === off;
          off = eol + 2;
          if (empty) {
            this.#complete(p, data.subarray(off));
            return;
          }
          break;
        }
        default:
          this.socket.destroy();
          return;
      }
    }
  }

  /** Handles one response head; false when parsing stops here (an error, an upgrade). */
  #onHead(p: Pending, head: string, rest: Buffer): boolean {
    const lines = head.split("\r\n");
    const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (!status) {
      this.#protocolError(`a bad status line ${JSON.stringify(lines[0]!.slice(0, 100))}`);
      return false;
    }
    const code = Number(status[2]);
    const raw: string[] = [];
    let length = -1;
    let chunked = false;
    let close = status[1] === "0";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) {
        this.#protocolError(`a bad header line ${JSON.stringify(line.slice(0, 100))}`);
        return false;
      }
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      raw.push(name, value);
      switch (name.length) {
        case 10:
          if (name.toLowerCase() === "connection") {
            const v = value.toLowerCase();
            if (v.includes("close")) close = true;
            else if (v.includes("keep-alive")) close = false;
          }
          break;
        case 14:
          if (name.toLowerCase() === "content-length") {
            if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) {
              this.#protocolError(`a bad Content-Length ${JSON.stringify(value)}`);
              return false;
            }
            length = Number(value);
          }
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") chunked = /(^|,)\s*chunked\s*$/i.test(value);
          break;
      }
    }
    if (code < 200 && code !== 101) {
      this.#state = "head"; // an informational answer: the real one follows
      return true;
    }
    clearTimeout(p.timer);
    if (code === 101 && p.req.upgrade !== undefined) {
      this.#upgrade(p, code, raw, rest);
      return false;
    }
    this.#keepAlive = !close;
    if (p.req.method === "HEAD" || code === 204 || code === 304) this.#mode = "none";
    else if (chunked) this.#mode = "chunked";
    else if (length >= 0) this.#mode = length === 0 ? "none" : "length";
    else {
      this.#mode = "close";
      this.#keepAlive = false;
    }
    this.#remaining = length;
    this.#state = this.#mode === "chunked" ? "chunk-size" : "body";
    if (p.handler.onHeaders?.(code, raw, this.resume, status[3] ?? "") === false) this.#pause();
    return true;
  }

  #deliver(p: Pending, chunk: Buffer): void {
    if (chunk.length === 0 || p.ended) return;
    if (p.handler.onData?.(chunk) === false) this.#pause();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  #complete(p: Pending, rest: Buffer): void {
    this.#state = "idle";
    this.current = undefined;
    this.served++;
    if (p.ended) {
      this.socket.destroy();
      return;
    }
    p.ended = true;
    // Bytes after the end of the answer were never asked for: the connection is not reused.
    if (rest.length > 0) this.#keepAlive = false;
    if (this.#keepAlive) this.#pool.release(this);
    else this.socket.destroy();
    p.handler.onComplete?.(null);
  }

  #upgrade(p: Pending, code: number, raw: string[], rest: Buffer): void {
    p.ended = true;
    this.current = undefined;
    this.#state = "idle";
    this.#pool.forget(this);
    const s = this.socket;
    s.pause(); // nothing is read until the new owner listens
    s.removeAllListeners("data");
    s.removeAllListeners("error");
    s.removeAllListeners("close");
    s.removeAllListeners("end");
    p.handler.onUpgrade?.(code, raw, s, rest);
  }

  #protocolError(what: string): void {
    const p = this.current;
    this.socket.destroy();
    p?.fail(codeError(`the server's answer is not valid HTTP/1.1: ${what}`, "HPE_INVALID_RESPONSE"));
  }

  #onEnd(): void {
    const p = this.current;
    if (p !== undefined && !p.ended && this.#mode === "close" && this.#state === "body") {
      this.#complete(p, EMPTY);
      return;
    }
    this.socket.destroy();
  }

  #closed(err: Error | undefined): void {
    this.#pool.forget(this);
    const p = this.current;
    this.current = undefined;
    if (p === undefined || p.ended) return;
    p.conn = undefined;
    // The server closed a kept-alive connection as the request went out: nothing of it was answered,
    // so a request that may be repeated goes again, once, on a new connection (as Go's client does).
    if (this.served > 0 && !this.#gotBytes && !p.retried && IDEMPOTENT.has(p.req.method)) {
      p.retried = true;
      this.#pool.run(p);
      return;
    }
    p.fail(
      err === undefined
        ? codeError(
            this.connected ? "other side closed" : "the connection closed before it was established",
            "UND_ERR_SOCKET",
          )
        : err,
    );
  }
}

/** Keep-alive HTTP/1.1 connections to one origin ("https://host:port" or "http://host:port"). */
export class Http1Pool {
  readonly #connect: () => Socket;
  readonly #secure: boolean;
  readonly #host: string;
  readonly #idle: Connection[] = [];
  readonly #busy = new Set<Connection>();
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #destroyed = false;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(origin: string, tls: TLSOptions) {
    const url = new URL(origin);
    this.#host = url.host;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const secure = url.protocol === "https:";
    this.#secure = secure;
    const port = Number(url.port) || (secure ? 443 : 80);
    let session: Buffer | undefined;
    const opts: ConnectionOptions = { host, port, ALPNProtocols: ["http/1.1"], ...tls };
    // SNI, as Go sends it: the config's server name, else the URL's host name; never an IP (an IP
    // server name comes as checkServerIdentity alone, see tlsOptions).
    if (tls.servername === undefined && tls.checkServerIdentity === undefined && isIP(host) === 0) {
      opts.servername = host;
    }
    this.#connect = secure
      ? () => {
          const s = tlsConnect(session === undefined ? opts : { ...opts, session });
          s.on("session", (ticket: Buffer) => {
            session = ticket; // the next connection resumes this TLS session instead of a full handshake
          });
          return s;
        }
      : () => netConnect({ host, port });
  }

  /** Sends one request; everything after comes through `handler`. */
  dispatch(req: Http1Request, handler: Http1Handler): boolean {
    let head: string;
    try {
      head = this.#head(req);
    } catch (err) {
      handler.onError?.(err as Error);
      return false;
    }
    const p = new Pending(req, head, handler);
    handler.onConnect?.((err) => {
      const c = p.conn;
      p.fail(err ?? codeError("the request was aborted", "UND_ERR_ABORTED"));
      c?.socket.destroy();
    });
    if (p.ended) return false;
    if (this.#closing !== undefined || this.#destroyed) {
      p.fail(codeError("the client is closed", this.#destroyed ? "UND_ERR_DESTROYED" : "UND_ERR_CLOSED"));
      return false;
    }
    const timeout = req.headersTimeout ?? 0;
    if (timeout > 0) {
      p.timer = setTimeout(() => {
        const c = p.conn;
        p.fail(codeError(`no response headers within ${timeout} ms`, "UND_ERR_HEADERS_TIMEOUT"));
        c?.socket.destroy();
      }, timeout);
    }
    this.run(p);
    return true;
  }

  /** Starts `p` on an idle connection, or on a new one. */
  run(p: Pending): void {
    if (p.ended) return;
    const now = performance.now();
    for (let c = this.#idle.pop(); c !== undefined; c = this.#idle.pop()) {
      if (c.socket.destroyed || now - c.idleSince > IDLE_TIMEOUT_MS) {
        c.socket.destroy();
        continue;
      }
      this.#busy.add(c);
      c.start(p);
      return;
    }
    let socket: Socket;
    try {
      socket = this.#connect();
    } catch (err) {
      p.fail(err as Error);
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    const c = new Connection(this, socket);
    this.#busy.add(c);
    c.current = p; // a failure to connect is this request's
    p.conn = c;
    const timer = setTimeout(() => {
      socket.destroy(
        codeError(
          `connecting to ${this.#host} timed out after ${CONNECT_TIMEOUT_MS} ms`,
          "UND_ERR_CONNECT_TIMEOUT",
        ),
      );
    }, CONNECT_TIMEOUT_MS);
    socket.once(this.#secure ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      c.connected = true;
      if (p.ended) {
        socket.destroy();
        return;
      }
      c.start(p);
    });
    socket.once("close", () => clearTimeout(timer));
  }

  /** A connection done with its answer: idle until the next request, not keeping the process alive. */
  release(c: Connection): void {
    this.#busy.delete(c);
    if (this.#closing !== undefined || this.#destroyed) {
      c.socket.destroy();
      this.#checkDrained();
      return;
    }
    c.idleSince = performance.now();
    c.socket.unref();
    this.#idle.push(c);
    this.#sweeper ??= setInterval(() => this.#sweep(), IDLE_TIMEOUT_MS).unref();
  }

  /** A connection that closed or was upgraded: the pool no longer holds it. */
  forget(c: Connection): void {
    this.#busy.delete(c);
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#checkDrained();
  }

  #sweep(): void {
    const now = performance.now();
    for (const c of [...this.#idle]) if (now - c.idleSince > IDLE_TIMEOUT_MS) c.socket.destroy();
    if (this.#idle.length === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#busy.size === 0) this.#drained();
  }

  /** The request line and headers, checked: a name or value that would break the framing is refused. */
  #head(req: Http1Request): string {
    if (!TOKEN.test(req.method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(req.method)}`);
    if (BAD_VALUE.test(req.path) || req.path.includes(" ")) {
      throw new TypeError(`invalid request path ${JSON.stringify(req.path)}`);
    }
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.#host}\r\n`;
    let hasLength = false;
    for (const name in req.headers) {
      const value = req.headers[name]!;
      if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
      const lower = name.toLowerCase();
      if (lower === "host") continue;
      if (lower === "content-length") hasLength = true;
      for (const v of typeof value === "string" ? [value] : value) {
        if (BAD_VALUE.test(v))
          throw new TypeError(`invalid value for the header ${name}: it has CR, LF or NUL`);
        head += `${name}: ${v}\r\n`;
      }
    }
    if (req.upgrade !== undefined) head += `connection: upgrade\r\nupgrade: ${req.upgrade}\r\n`;
    else if (!hasLength) {
      const n =
        req.body === undefined
          ? -1
          : typeof req.body === "string"
            ? Buffer.byteLength(req.body)
            : req.body.length;
      if (n >= 0) head += `content-length: ${n}\r\n`;
      else if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH")
        head += "content-length: 0\r\n";
    }
    return `${head}\r\n`;
  }

  /** No new requests; idle connections close now, busy ones once their answer is done. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const c of this.#idle.splice(0)) c.socket.destroy();
      clearInterval(this.#sweeper);
      this.#drained = resolve;
      this.#checkDrained();
    });
    return this.#closing;
  }

  /** Ends every connection at once; requests in flight fail. */
  destroy(): Promise<void> {
    this.#destroyed = true;
    clearInterval(this.#sweeper);
    for (const c of [...this.#idle, ...this.#busy]) {
      c.current?.fail(codeError("the client was destroyed", "UND_ERR_DESTROYED"));
      c.socket.destroy();
    }
    this.#idle.length = 0;
    this.#busy.clear();
    this.#drained?.();
    return Promise.resolve();
  }
}
