// The one module that owns the HTTP stack: builds one dispatcher per config (http1.ts's keep-alive
// connections, or undici's ProxyAgent when a proxy is in the way), sends one request, or upgrades one
// to a WebSocket (upgrade). Redirects are never followed (3xx responses come back as they are), so
// credentials never go to another host.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { Dispatcher as UndiciDispatcher } from "undici";
import api from "undici/lib/api/index.js";
import undiciUtil from "undici/lib/core/util.js";
// undici's own modules, not its index: the index also loads fetch, WebSocket, EventSource, caches
// and mocks, which we never use and which were 40% of a bundled app (packages/bench, P6). These paths
// are undici 7's layout, which is why undici is pinned to ~7.30 (types: undici-modules.d.ts).
import DispatcherClass from "undici/lib/dispatcher/dispatcher.js";
import ProxyAgent from "undici/lib/dispatcher/proxy-agent.js";

// What undici's index does on load: the request/connect/stream API are methods of every dispatcher
// (ProxyAgent's CONNECT tunnel calls them too). Same functions, so loading the index as well is harmless.
Object.assign(DispatcherClass.prototype, api);

import type { Cancellation } from "./cancel.js";
import { type RestConfig, tlsConflict } from "./config.js";
import { ConfigError } from "./errors.js";
import { type Http1Handler, Http1Pool, type Http1Request } from "./http1.js";
import type { RequestDescription } from "./request.js";

/** One config's connections to its API server: send and upgrade go through it. */
export interface Dispatcher {
  dispatch(req: Http1Request, handler: Http1Handler): boolean;
  /** No new requests; resolves once those in flight are done. */
  close(): Promise<void>;
  /** Ends every connection at once. */
  destroy(): Promise<void>;
}

/** undici's ProxyAgent as a Dispatcher: the proxied configs' connections (CONNECT or SOCKS5 tunnels). */
class ProxyDispatcher implements Dispatcher {
  readonly #agent: UndiciDispatcher;
  readonly #origin: string;
  constructor(agent: UndiciDispatcher, origin: string) {
    this.#agent = agent;
    this.#origin = origin;
  }
  dispatch(req: Http1Request, handler: Http1Handler): boolean {
    const timeout = req.headersTimeout ?? 0;
    const opts: UndiciDispatcher.DispatchOptions = {
      origin: this.#origin,
      path: req.path,
      method: req.method as UndiciDispatcher.HttpMethod,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    };
    if (req.headers !== undefined) opts.headers = req.headers;
    if (req.body !== undefined) opts.body = req.body;
    if (req.upgrade !== undefined) opts.upgrade = req.upgrade;
    // The same handler contract; undici hands raw headers over as Buffers, which the handlers also read.
    return this.#agent.dispatch(opts, handler as UndiciDispatcher.DispatchHandler);
  }
  close(): Promise<void> {
    return this.#agent.close();
  }
  destroy(): Promise<void> {
    return this.#agent.destroy();
  }
}

export interface TLSOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
}

function pem(
  data: string | Uint8Array | undefined,
  file: string | undefined,
  what: string,
): string | Buffer | undefined {
  if (data !== undefined && data.length > 0) return typeof data === "string" ? data : Buffer.from(data);
  if (file) {
    try {
      // A FIFO or a device would block the event loop in readFileSync: only regular files are read.
      if (!statSync(file).isFile()) throw new Error("not a regular file");
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(
        `cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path in the config`,
      );
    }
  }
  return undefined;
}

/** TLS settings of a config, files read now. Throws ConfigError naming an unreadable file. */
export function tlsOptions(config: RestConfig, clientCert?: { cert: string; key: string }): TLSOptions {
  const t = config.tls ?? {};
  const conflict = tlsConflict(t);
  if (conflict) throw new ConfigError(`the config's tls ${conflict}`);
  const out: TLSOptions = { rejectUnauthorized: !t.insecure };
  const ca = pem(t.caData, t.caFile, "certificate authority");
  if (ca !== undefined) out.ca = ca;
  const cert = clientCert?.cert ?? pem(t.certData, t.certFile, "client certificate");
  const key = clientCert?.key ?? pem(t.keyData, t.keyFile, "client key");
  if (!!cert !== !!key) {
    throw new ConfigError(
      "a client certificate needs its key and the other way round: set both certData/certFile and keyData/keyFile",
    );
  }
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  const name = t.serverName;
  if (name && isIP(name)) {
    // An IP is no server name to send (RFC 6066; Node warns, DEP0123): as Go does, the certificate
    // is checked against it (its IP addresses), and no SNI of it is sent.
    out.checkServerIdentity = (_host, cert) => checkServerIdentity(name, cert);
  } else if (name) out.servername = name;
  return out;
}

function envVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
}

/** Whether NO_PROXY exempts this host (Go's httpproxy rules: "*", host, .domain, domain suffix, IP, CIDR). */
export function noProxyMatches(hostname: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (let entry of noProxy.split(",")) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    if (entry.includes("/")) {
      const [net, bitsText] = entry.split("/");
      const bits = Number(bitsText);
      if (isIP(host) === 4 && isIP(net!) === 4 && bits >= 0 && bits <= 32) {
        const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
        if ((ipv4ToInt(host) & mask) === (ipv4ToInt(net!) & mask)) return true;
      }
      continue;
    }
    let entryPort = "";
    const m = /^(.*?)(?::(\d+))?$/.exec(
      entry.startsWith("[") ? entry.replace(/^\[(.*)\](:\d+)?$/, "$1$2") : entry,
    );
    if (m && isIP(entry) !== 6) {
      entry = m[1]!;
      entryPort = m[2] ?? "";
    }
    if (entryPort && entryPort !== port) continue;
    if (isIP(entry)) {
      if (entry === host) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, "");
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** The proxy for this server: the config's proxyURL, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY or loopback. */
export function proxyFor(
  config: RestConfig,
  url: URL,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (config.proxyURL) return config.proxyURL;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.startsWith("127.") || host === "::1") return undefined;
  const proxy = url.protocol === "https:" ? envVar(env, "HTTPS_PROXY") : envVar(env, "HTTP_PROXY");
  if (!proxy) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (noProxyMatches(host, port, envVar(env, "NO_PROXY"))) return undefined;
  return proxy;
}

export function createDispatcher(
  config: RestConfig,
  url: URL,
  clientCert?: { cert: string; key: string },
): Dispatcher {
  const tls = tlsOptions(config, clientCert);
  const proxy = proxyFor(config, url);
  if (proxy) {
    // Both the proxy (without its password) and the API server it is for are named.
    const which = `the proxy ${config.proxyURL ? "(proxyURL)" : "(HTTPS_PROXY / HTTP_PROXY)"} for the API server ${url.host}`;
    let uri: URL;
    try {
      uri = new URL(proxy);
    } catch {
      throw new ConfigError(`${which} is not a valid URL; use http://host:port or https://host:port`);
    }
    if (!["http:", "https:", "socks5:", "socks:"].includes(uri.protocol)) {
      throw new ConfigError(
        `${which}, ${uri.protocol}//${uri.host}, has the scheme ${uri.protocol}, which is not supported; use an http://, https:// or socks5:// proxy`,
      );
    }
    return new ProxyDispatcher(new ProxyAgent({ uri: uri.toString(), requestTls: tls }), url.origin);
  }
  return new Http1Pool(url.origin, tls);
}

export interface SendOptions {
  /**
   * The one limit of a request: the call's deadline, the caller's abort, a stream's liveness window.
   * It holds from the first byte: an abort while connecting or in the TLS handshake rejects at once.
   * The dispatcher's own header and body timeouts are off.
   */
  signal: Cancellation;
  /** Called once the whole request (headers and body) has been handed to the connection. */
  onRequestSent?: () => void;
}

/** Reads a response body as it arrives: `data` returning false pauses the connection until `resume()`. */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
  error(err: unknown): void;
}

/**
 * A response body as the dispatcher hands it over, with no stream per response (undici's request API
 * made a Readable, an AsyncResource and its consumers for each one: about as much CPU as the rest of
 * a small GET). One consumer: `consume`, `text()` or a `for await` over its chunks.
 */
export interface ResponseBody extends AsyncIterable<Buffer> {
  /** Hands every chunk to `sink`, those received so far first, then the end or the error. */
  consume(sink: BodySink): void;
  /** Reads on after `sink.data` returned false. */
  resume(): void;
  /** The whole body as UTF-8 text (a byte order mark dropped, as fetch's text() does). */
  text(): Promise<string>;
  /** Lets go of the response: a body not read to its end closes the connection. Idempotent. */
  destroy(): void;
  readonly destroyed: boolean;
}

export interface Response {
  statusCode: number;
  /** Lower-case names; a repeated header's values as an array. */
  headers: Record<string, string | string[]>;
  body: ResponseBody;
}

/** Bytes a response holds before it has a consumer; then the connection waits for one. */
const maxHeldBytes = 1 << 20;

const destroyedError = () =>
  Object.assign(new Error("the response body was destroyed"), { code: "ERR_STREAM_DESTROYED" });

/** One request's dispatch handler, and then its response body. */
class Exchange implements Http1Handler, ResponseBody {
  readonly #signal: Cancellation;
  readonly #onRequestSent: (() => void) | undefined;
  readonly #resolve: (res: Response) => void;
  readonly #reject: (err: unknown) => void;
  #answered = false;
  #abort: ((err: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  /** Chunks received before a consumer came. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  #sink: BodySink | undefined;
  #state: "reading" | "ended" | "failed" | "destroyed" = "reading";
  #error: unknown;

  constructor(
    signal: Cancellation,
    opts: SendOptions,
    resolve: (res: Response) => void,
    reject: (err: unknown) => void,
  ) {
    this.#signal = signal;
    this.#onRequestSent = opts.onRequestSent;
    this.#resolve = resolve;
    this.#reject = reject;
    signal.once("abort", this.#onAbort);
  }

  /** The call was aborted: before the answer it rejects at once (undici would wait for the connection), after it the body fails. */
  #onAbort = (): void => {
    const reason = this.#signal.reason;
    this.#abort?.(reason as Error); // handed back to onError as it is
    if (!this.#answered) {
      this.#answered = true;
      this.#reject(reason);
    }
  };

  #release(): void {
    this.#signal.removeListener("abort", this.#onAbort);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.#answered) abort(this.#signal.reason as Error);
    else this.#abort = abort;
  }

  onRequestSent(): void {
    this.#onRequestSent?.();
  }

  onHeaders(statusCode: number, raw: (Buffer | string)[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the answer is still to come
    this.#resume = resume;
    const headers = undiciUtil.parseHeaders(raw);
    if (this.#answered) {
      this.destroy(); // the abort won: the connection is not left half-read
      return false;
    }
    this.#answered = true;
    this.#resolve({ statusCode, headers, body: this });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#state !== "reading") return false;
    if (this.#sink) return this.#sink.data(chunk);
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    return this.#heldBytes < maxHeldBytes; // a body nobody reads yet (a watch not iterated) holds the connection back
  }

  onComplete(): void {
    this.#release();
    if (this.#state !== "reading") return;
    this.#state = "ended";
    this.#sink?.end();
  }

  onError(err: Error): void {
    this.#release();
    if (!this.#answered) {
      this.#answered = true;
      this.#reject(err);
      return;
    }
    if (this.#state !== "reading") return;
    this.#state = "failed";
    this.#error = err;
    this.#sink?.error(err);
  }

  consume(sink: BodySink): void {
    if (this.#sink) throw new Error("the response body is already being read");
    this.#sink = sink;
    const held = this.#held;
    this.#held = [];
    for (const c of held) sink.data(c);
    if (this.#heldBytes >= maxHeldBytes && this.#state === "reading") this.#resume?.();
    this.#heldBytes = 0;
    if (this.#state === "ended") sink.end();
    else if (this.#state === "failed") sink.error(this.#error);
    else if (this.#state === "destroyed") sink.error(destroyedError());
  }

  resume(): void {
    this.#resume?.();
  }

  get destroyed(): boolean {
    return this.#state !== "reading" && this.#state !== "ended";
  }

  destroy(): void {
    if (this.#state !== "reading") return;
    this.#state = "destroyed";
    this.#held = [];
    this.#release();
    this.#abort?.(destroyedError());
    this.#sink?.error(destroyedError());
  }

  text(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.consume({
        data: (c) => chunks.push(c) > 0,
        end: () => {
          try {
            const b = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const bom = b.length > 2 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
            resolve(b.toString("utf8", bom ? 3 : 0));
          } catch (err) {
            reject(err);
          }
        },
        error: reject,
      });
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const queue: Buffer[] = [];
    let ended = false;
    let failed: { err: unknown } | undefined;
    let wake: (() => void) | undefined;
    this.consume({
      data: (c) => {
        queue.push(c);
        wake?.();
        return true;
      },
      end: () => {
        ended = true;
        wake?.();
      },
      error: (err) => {
        failed = { err };
        wake?.();
      },
    });
    try {
      for (;;) {
        if (queue.length > 0) {
          for (const c of queue.splice(0)) yield c;
          continue;
        }
        if (failed) throw failed.err;
        if (ended) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    } finally {
      this.destroy();
    }
  }
}

/** The errno / undici code of a failed send (its own or its cause's). */ export function errorCode(
  err: unknown,
): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return undefined;
}

/**
 * What a failed send means, in words that say what to check; `host` is the API server's, `proxy` the
 * proxy the request went through (then a refused or unresolvable connection is the proxy's).
 */
export function describeFailure(err: unknown, host: string, proxy?: string): string {
  const code = errorCode(err);
  const msg = (err as Error)?.message ?? String(err);
  if (proxy) {
    let p = "";
    try {
      p = new URL(proxy).host; // never the proxy's user:password
    } catch {}
    const via = `the proxy ${p} (for the API server ${host})`;
    if (code === "ECONNREFUSED") return `connection refused by ${via}: is the proxy running?`;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN")
      return `cannot resolve ${via}: check the proxy address (proxyURL, the kubeconfig's proxy-url, HTTPS_PROXY)`;
    if (code === "UND_ERR_CONNECT_TIMEOUT") return `connecting to ${via} timed out`;
    if (/HTTP Tunneling/.test(msg)) return `${via} did not open a tunnel to the API server (${msg})`;
  }
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused: is the API server running at ${host}?`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "EPIPE":
      return `connection reset by the server (${msg})`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve ${host}: check the server address`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `connecting to ${host} timed out`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "CERT_SIGNATURE_FAILURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
    case "CERT_HAS_EXPIRED":
      return `TLS: the server certificate is not trusted (${code}: ${msg}); check the certificate authority (caData/caFile, the kubeconfig's certificate-authority) and serverName`;
    default:
      return code ? `${msg} (${code})` : msg;
  }
}

/** The path and query of a URL that buildRequest made as origin + path, already encoded. */
function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

export function send(
  dispatcher: Dispatcher,
  desc: RequestDescription,
  headers: Record<string, string>,
  opts: SendOptions,
): Promise<Response> {
  const h: Record<string, string | string[]> = { ...headers };
  if (desc.repeatedHeaders) Object.assign(h, desc.repeatedHeaders);
  const req: Http1Request = { path: pathOf(desc.url), method: desc.method, headers: h };
  if (desc.body !== undefined) req.body = desc.body;
  const signal = opts.signal;
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const exchange = new Exchange(signal, opts, resolve, reject);
    try {
      dispatcher.dispatch(req, exchange);
    } catch (err) {
      exchange.onError(err as Error);
    }
  });
}

/** The answer to a WebSocket handshake: the upgraded socket, or the server's refusal with its body. */
export type UpgradeResult =
  | { upgraded: true; socket: Duplex; protocol: string; head: Buffer }
  | { upgraded: false; statusCode: number; headers: Record<string, string>; body: string };

export interface UpgradeOptions {
  signal: AbortSignal;
  /** Sec-WebSocket-Protocol values, in preference order. */
  protocols: readonly string[];
  /** Limit until the server answers the handshake (0 or undefined: none). */
  timeoutMs: number | undefined;
}

function headerMap(raw: (Buffer | string)[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; raw && i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toString().toLowerCase();
    const v = raw[i + 1]!.toString();
    out[k] = k in out ? `${out[k]}, ${v}` : v;
  }
  return out;
}

/**
 * Opens a WebSocket (RFC 6455 handshake, HTTP/1.1 Upgrade) to `desc.url` through the dispatcher, so
 * the stream gets the same TLS, client certificate and proxy as every request. Redirects are not
 * followed (a 3xx comes back as a refusal); after the upgrade no timeout applies to the socket.
 */
export function upgrade(
  dispatcher: Dispatcher,
  desc: RequestDescription,
  headers: Record<string, string>,
  opts: UpgradeOptions,
): Promise<UpgradeResult> {
  const key = randomBytes(16).toString("base64");
  const h: Record<string, string | string[]> = {
    ...headers,
    "sec-websocket-key": key,
    "sec-websocket-version": "13",
  };
  if (opts.protocols.length > 0) h["sec-websocket-protocol"] = opts.protocols.join(", ");
  if (desc.repeatedHeaders) Object.assign(h, desc.repeatedHeaders);
  const expectedAccept = createHash("sha1")
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest("base64");
  return new Promise<UpgradeResult>((resolve, reject) => {
    let status = 0;
    let resHeaders: Record<string, string> = {};
    const body: Buffer[] = [];
    let abort: ((err: Error) => void) | undefined;
    // Not connected yet (TCP, TLS): settle now, as send does; onConnect then aborts the dispatch.
    const onAbort = () => {
      if (abort) abort(opts.signal.reason ?? new Error("aborted"));
      else {
        done();
        reject(opts.signal.reason);
      }
    };
    if (opts.signal.aborted) {
      reject(opts.signal.reason);
      return;
    }
    opts.signal.addEventListener("abort", onAbort, { once: true });
    const done = () => opts.signal.removeEventListener("abort", onAbort);
    const handler: Http1Handler = {
      onConnect(a: (err?: Error) => void) {
        abort = a;
        if (opts.signal.aborted) a(opts.signal.reason);
      },
      onHeaders(statusCode: number, raw: (Buffer | string)[]) {
        status = statusCode;
        resHeaders = headerMap(raw);
        return true;
      },
      onData(chunk: Buffer) {
        body.push(chunk);
        return true;
      },
      onComplete() {
        done();
        resolve({
          upgraded: false,
          statusCode: status,
          headers: resHeaders,
          body: Buffer.concat(body).toString("utf8"),
        });
      },
      onUpgrade(statusCode: number, raw: (Buffer | string)[] | null, socket: Duplex, head?: Buffer) {
        done();
        const got = headerMap(raw);
        if (statusCode !== 101 || got["sec-websocket-accept"] !== expectedAccept) {
          socket.destroy();
          reject(
            new Error(
              `the server answered the WebSocket handshake with HTTP ${statusCode} but without a valid Sec-WebSocket-Accept`,
            ),
          );
          return;
        }
        resolve({
          upgraded: true,
          socket,
          protocol: got["sec-websocket-protocol"] ?? "",
          head: head ?? Buffer.alloc(0),
        });
      },
      onError(err: Error) {
        done();
        reject(err);
      },
    };
    const timeout = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? opts.timeoutMs : 0;
    dispatcher.dispatch(
      { path: pathOf(desc.url), method: "GET", headers: h, upgrade: "websocket", headersTimeout: timeout },
      handler,
    );
  });
}
