// RESTClient, the counterpart of client-go's rest.RESTClient: executes RequestSpecs against one API
// server with one transport (keep-alive pool, TLS, proxy), one rate limiter and one credential per
// config object. Each request is described once (describeRequest, against the client's RequestTarget);
// the typed methods differ only in how a 2xx response is read, and share one attempt loop, which asks
// the RetryPolicy after each failure.

import type { Credential, Credentials } from "./auth.js";
import { type Cancellation, cancellation, sleep } from "./cancel.js";
import type { RestConfig } from "./config.js";
import {
  ConfigError,
  DecodeError,
  isStatus,
  type Status,
  StatusError,
  statusFromResponse,
  TransportError,
} from "./errors.js";
import { ExecPluginError } from "./exec.js";
import type { Watch } from "./options.js";
import { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
import {
  callOptionsOf,
  describeRequest,
  type RequestDescription,
  type RequestSpec,
  type RequestTarget,
  requestTarget,
} from "./request.js";
import { type AttemptStage, defaultMaxRetries, parseRetryAfter, RetryPolicy } from "./retry.js";
import {
  createDispatcher,
  type Dispatcher,
  describeFailure,
  errorCode,
  type Response,
  send,
  upgrade,
} from "./transport.js";
import { defaultWarningHandler, parseWarnings } from "./warnings.js";
import { streamBody, WatchStream } from "./watch.js";
import { WebSocketConnection, type WebSocketHandlers } from "./websocket.js";

/** Requests per second of a config's token bucket when `qps` is unset. */
export const defaultQPS = 5;
/** The bucket size when `burst` is unset. */
export const defaultBurst = 10;

const clients = new WeakMap<RestConfig, RESTClient>();

/** How one kind of call reads a 2xx response; everything else is the shared attempt loop. */
interface Reader<R> {
  /** Watches and log streams: no body timeout, the deadline only until the headers. */
  streaming: boolean;
  /** Watches take no rate-limiter token. */
  rateLimited: boolean;
  read(res: Response, desc: RequestDescription, cancel: Cancellation): Promise<R> | R;
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(res: Response): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n);
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  if (!h) return false;
  const l = name.toLowerCase();
  return Object.keys(h).some((k) => k.toLowerCase() === l);
}

async function readJSON<T>(res: Response, desc: RequestDescription): Promise<T> {
  const text = await res.body.text();
  if (text.length === 0) return undefined as T; // e.g. a DELETE answered with an empty body
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DecodeError(
      `${desc.method} ${desc.url}: the response is not valid JSON (${(err as Error).message})`,
      desc.url,
      err,
    );
  }
}

const asText: Reader<string> = { streaming: false, rateLimited: true, read: (res) => res.body.text() };

const asStream: Reader<AsyncIterable<Uint8Array>> = {
  streaming: true,
  rateLimited: true,
  read: (res, desc, cancel) =>
    streamBody<Uint8Array>(res, res.body, cancel, {
      what: `${desc.method} ${desc.url}: stream broken`,
      url: desc.url,
      abortEnds: false,
    }),
};

const asWatch: Reader<Response> = { streaming: true, rateLimited: false, read: (res) => res };

export class RESTClient {
  readonly config: RestConfig;
  readonly #target: RequestTarget;
  readonly #credential: Credential;
  readonly #limiter: RateLimiter | null;
  readonly #maxRetries: number;
  #dispatcher?: Dispatcher;
  #certDispatcher?: { cert: string; dispatcher: Dispatcher };
  readonly #warn: (message: string) => void;

  /** The client of this config object: one transport, one rate limiter, one credential cache. */
  static forConfig(config: RestConfig): RESTClient {
    let c = clients.get(config);
    if (!c) {
      c = new RESTClient(config);
      clients.set(config, c);
    }
    return c;
  }

  private constructor(config: RestConfig) {
    this.config = config;
    this.#target = requestTarget(config);
    this.#credential = this.#target.credential;
    if (config.rateLimiter !== undefined) this.#limiter = config.rateLimiter;
    else {
      const qps = config.qps ?? defaultQPS;
      this.#limiter = qps > 0 ? new TokenBucketRateLimiter(qps, config.burst ?? defaultBurst) : null;
    }
    this.#maxRetries = config.maxRetries ?? defaultMaxRetries;
    this.#warn = config.warningHandler ?? defaultWarningHandler;
    // Build the transport now so that unreadable certificate files fail here, with their path.
    this.#dispatcher = createDispatcher(config, this.#target.server);
  }

  /** The rate limiter shared by every request of this config (null when disabled). */
  get rateLimiter(): RateLimiter | null {
    return this.#limiter;
  }

  /**
   * Closes the connection pool at once (requests and watches still running fail or end); later
   * forConfig(config) calls make a new client.
   */
  async close(): Promise<void> {
    clients.delete(this.config);
    const ds = [this.#dispatcher, this.#certDispatcher?.dispatcher];
    this.#dispatcher = undefined;
    this.#certDispatcher = undefined;
    await Promise.all(ds.map((d) => d?.destroy().catch(() => {})));
  }

  /** Sends the request and decodes the JSON response (one JSON.parse of the whole body). */
  request<T = unknown>(req: RequestSpec): Promise<T> {
    return this.#call(req, { streaming: false, rateLimited: true, read: readJSON<T> });
  }

  /** Sends the request and returns the body as text (e.g. pod logs). */
  requestText(req: RequestSpec): Promise<string> {
    return this.#call(req, asText);
  }

  /** Sends the request and streams the body (e.g. logs with follow); no timeout after the headers. */
  requestStream(req: RequestSpec): Promise<AsyncIterable<Uint8Array>> {
    return this.#call(req, asStream);
  }

  /** Starts a watch (adds watch=true); not rate limited; iterate it with `for await`. */
  watch<T = unknown>(req: RequestSpec): Watch<T> {
    const call = callOptionsOf(req);
    const timeoutMs = call.timeoutMs ?? this.config.timeoutMs;
    const cancel = cancellation(call.signal, timeoutMs);
    let desc: RequestDescription;
    try {
      desc = describeRequest(this.#target, { ...req, query: { ...req.query, watch: true } });
    } catch (err) {
      cancel.dispose();
      return new WatchStream<T>("", cancel, Promise.reject(err));
    }
    const started = this.#attempts(desc, cancel, timeoutMs, asWatch).then(
      (res) => {
        cancel.clearTimer(); // no client-side cut-off once events flow
        return res;
      },
      (err: unknown) => {
        cancel.dispose();
        throw err;
      },
    );
    return new WatchStream<T>(desc.url, cancel, started);
  }

  /**
   * Opens a WebSocket to the request's URL (exec, attach, portforward) offering `protocols`: the same
   * credentials, TLS, client certificate and proxy as every request, one retry after a 401 when the
   * credential can refresh, no redirects. The call's timeout (or the config's) bounds only the
   * handshake; an open stream has none, unless `idleTimeoutMs` closes it after that long without a
   * frame either way. A refused handshake is a StatusError with the server's Status.
   */
  async connect(
    req: RequestSpec,
    protocols: readonly string[],
    handlers: WebSocketHandlers,
    opts: { idleTimeoutMs?: number } = {},
  ): Promise<WebSocketConnection> {
    const desc = describeRequest(this.#target, req);
    const timeoutMs = callOptionsOf(req).timeoutMs ?? this.config.timeoutMs;
    const cancel = cancellation(callOptionsOf(req).signal, timeoutMs);
    const credential = hasHeader(desc.headers, "Authorization") ? {} : this.#credential;
    let retried401 = false;
    try {
      for (;;) {
        const headers = { ...desc.headers };
        let creds: Credentials = {};
        let res: Awaited<ReturnType<typeof upgrade>>;
        try {
          if (credential.refresh) {
            creds = await credential.refresh();
            if (creds.authorization) headers.Authorization = creds.authorization;
          }
          res = await upgrade(this.#dispatcherFor(creds), desc, headers, {
            signal: cancel.signal,
            protocols,
            timeoutMs,
          });
        } catch (err) {
          throw this.#failure(desc, err, cancel);
        }
        if (res.upgraded) {
          return new WebSocketConnection(res.socket, res.protocol, res.head, handlers, opts.idleTimeoutMs);
        }
        if (res.statusCode === 401 && !retried401 && credential.onUnauthorized) {
          retried401 = true;
          if (await credential.onUnauthorized(creds)) continue;
        }
        const refused = { statusCode: res.statusCode, headers: res.headers } as unknown as Response;
        throw this.#statusError(desc, refused, res.body, undefined);
      }
    } finally {
      cancel.dispose();
    }
  }

  #dispatcherFor(creds: Credentials): Dispatcher {
    if (creds.clientCert) {
      if (this.#certDispatcher?.cert !== creds.clientCert.cert) {
        const old = this.#certDispatcher?.dispatcher;
        this.#certDispatcher = {
          cert: creds.clientCert.cert,
          dispatcher: createDispatcher(this.config, this.#target.server, creds.clientCert),
        };
        old?.close().catch(() => {});
      }
      return this.#certDispatcher.dispatcher;
    }
    this.#dispatcher ??= createDispatcher(this.config, this.#target.server);
    return this.#dispatcher;
  }

  /** One call that is not a watch: its cancellation lives until the result (or a stream's end). */
  async #call<R>(req: RequestSpec, reader: Reader<R>): Promise<R> {
    const desc = describeRequest(this.#target, req);
    const call = callOptionsOf(req);
    const timeoutMs = call.timeoutMs ?? this.config.timeoutMs;
    const cancel = cancellation(call.signal, timeoutMs);
    let handedOff = false;
    try {
      const out = await this.#attempts(desc, cancel, timeoutMs, reader);
      handedOff = reader.streaming; // the stream disposes of the cancellation when it ends
      return out;
    } finally {
      if (handedOff) cancel.clearTimer();
      else cancel.dispose();
    }
  }

  /** The failure of a call as it is reported: a timeout, the caller's abort, or a typed error. */
  #failure(desc: RequestDescription, err: unknown, cancel: Cancellation): unknown {
    const t = cancel.timedOut();
    if (t) {
      return new TransportError(`${desc.method} ${desc.url}: timed out after ${t.ms}ms`, desc.url, err, {
        code: "ETIMEDOUT",
        timedOut: true,
      });
    }
    if (cancel.signal.aborted) return cancel.signal.reason; // the caller's abort, as is
    if (
      err instanceof StatusError ||
      err instanceof DecodeError ||
      err instanceof TransportError ||
      err instanceof ConfigError ||
      err instanceof ExecPluginError
    ) {
      return err;
    }
    const code = errorCode(err);
    return new TransportError(
      `${desc.method} ${desc.url}: ${describeFailure(err, this.#target.server.host)}`,
      desc.url,
      err,
      code ? { code } : {},
    );
  }

  /** The attempt loop every call shares: rate limit, credentials, send, then read, retry or fail. */
  async #attempts<R>(
    desc: RequestDescription,
    cancel: Cancellation,
    timeoutMs: number | undefined,
    reader: Reader<R>,
  ): Promise<R> {
    const signal = cancel.signal;
    const credential = hasHeader(desc.headers, "Authorization") ? {} : this.#credential;
    const retry = new RetryPolicy(this.#maxRetries);
    let retried401 = false;
    for (;;) {
      let stage: AttemptStage = "prepare";
      let creds: Credentials = {};
      try {
        if (reader.rateLimited && this.#limiter) await this.#limiter.wait(signal);
        const headers = { ...desc.headers };
        if (credential.refresh) {
          creds = await credential.refresh();
          if (creds.authorization) headers.Authorization = creds.authorization;
        }
        stage = "send";
        const res = await send(this.#dispatcherFor(creds), desc, headers, {
          signal,
          streaming: reader.streaming,
          timeoutMs,
        });
        stage = "read";
        this.#warnings(res);
        const code = res.statusCode;

        if (code === 401 && !retried401 && credential.onUnauthorized) {
          // Rejected before any processing: refresh the credential (token file, exec plugin) and try once more.
          const body = (await readBody(res)).toString("utf8");
          retried401 = true;
          if (await credential.onUnauthorized(creds)) continue;
          throw this.#statusError(desc, res, body, undefined);
        }

        if (code >= 200 && code < 300) return await reader.read(res, desc, cancel);

        // An error response: read it (bounded by the timeout) and decide.
        const body = (await readBody(res)).toString("utf8");
        const retryAfter = parseRetryAfter(header(res, "retry-after"));
        const wait = retry.afterResponse(code, retryAfter);
        if (wait !== undefined) {
          await sleep(wait, signal);
          continue;
        }
        throw this.#statusError(desc, res, body, retryAfter);
      } catch (err) {
        const wait = signal.aborted ? undefined : retry.afterFailure(desc.method, stage, err);
        if (wait === undefined) throw this.#failure(desc, err, cancel);
        try {
          await sleep(wait, signal);
        } catch (abortErr) {
          throw this.#failure(desc, abortErr, cancel);
        }
      }
    }
  }

  #statusError(
    desc: RequestDescription,
    res: Response,
    body: string,
    retryAfter: number | undefined,
  ): StatusError {
    const code = res.statusCode;
    let status: Status | undefined;
    if (code >= 300 && code < 400) {
      const loc = header(res, "location");
      let where = "another location";
      try {
        if (loc) where = new URL(loc, desc.url).host;
      } catch {}
      status = {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code,
        reason: "",
        message: `the server redirected to ${where}; redirects are not followed, so credentials never leave the configured server`,
      };
    } else {
      try {
        const v = JSON.parse(body);
        if (isStatus(v)) status = v.code ? v : { ...v, code };
      } catch {}
      status ??= statusFromResponse(code, body);
    }
    return new StatusError(status, desc.method, desc.url, retryAfter);
  }

  #warnings(res: Response): void {
    const w = res.headers.warning;
    if (!w) return;
    for (const line of Array.isArray(w) ? w : [w]) {
      for (const msg of parseWarnings(line)) {
        try {
          this.#warn(msg);
        } catch {}
      }
    }
  }
}
