// RESTClient, the counterpart of client-go's rest.RESTClient: executes RequestSpecs against one API
// server with one transport (keep-alive pool, TLS, proxy), one rate limiter and one credential per
// config object. Each request is described once (describeRequest, against the client's RequestTarget);
// the typed methods differ only in how a 2xx response is read, and share one attempt loop, which asks
// the RetryPolicy after each failure.

import type { Credential, Credentials } from "./auth.js";
import { Cancellation, sleep } from "./cancel.js";
import type { RestConfig } from "./config.js";
import { decodeJSONBody } from "./decode.js";
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
import type { CallOptions, ListOptions, Watch } from "./options.js";
import { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
import {
  callOptionsOf,
  describeRequest,
  type RequestDescription,
  type RequestSpec,
  type RequestTarget,
  requestTarget,
  wireHeaderValue,
} from "./request.js";
import { type AttemptStage, defaultMaxRetries, parseRetryAfter, RetryPolicy } from "./retry.js";
import {
  createDispatcher,
  type Dispatcher,
  describeFailure,
  errorCode,
  proxyFor,
  type Response,
  send,
  upgrade,
} from "./transport.js";
import { defaultWarningHandler, parseWarnings } from "./warnings.js";
import { BodyStream, chunksAsTheyCome, WatchStream, watchIdleTimeoutMs } from "./watch.js";
import { WebSocketConnection, type WebSocketHandlers } from "./websocket.js";

/** Requests per second of a config's token bucket when `qps` is unset. */
export const defaultQPS = 5;
/** The bucket size when `burst` is unset. */
export const defaultBurst = 10;
/**
 * A call's timeout when neither the call nor the config sets `timeoutMs`: 70 s, above the API
 * server's own limit for a request that is not a watch (60 s, `--request-timeout`), so a slow but
 * working server answers with its Timeout status first, and only a stalled server or connection
 * meets this one.
 */
export const defaultTimeoutMs = 70_000;

const clients = new WeakMap<RestConfig, RESTClient>();

type NumberRule = "number" | "ms" | "count" | "positiveCount";

/** Whether `v` breaks `rule`: a finite number; ms: >= 0; count: an integer >= 0; positiveCount: >= 1. */
function breaks(v: unknown, rule: NumberRule): boolean {
  if (typeof v !== "number" || !Number.isFinite(v)) return true;
  if (rule === "number") return false;
  if (rule === "ms") return v < 0;
  return !Number.isInteger(v) || v < (rule === "positiveCount" ? 1 : 0);
}

const msRule = "a finite number of milliseconds >= 0 (0: none)";

/**
 * Refuses number options that would not limit, retry or time out as asked (NaN retries a 429
 * forever, a negative timeout is silently none, burst 0 is a bucket that never fills).
 */
function checkLimits(config: RestConfig): void {
  const checks: [keyof RestConfig, NumberRule, string][] = [
    ["qps", "number", "a finite number of requests per second (<= 0 disables limiting)"],
    ["burst", "positiveCount", "an integer >= 1 (leave it unset for the default 10)"],
    ["maxRetries", "count", "an integer >= 0 (0: no retries)"],
    ["timeoutMs", "ms", msRule],
    ["idleTimeoutMs", "ms", msRule],
  ];
  for (const [key, rule, want] of checks) {
    const v = config[key];
    if (v !== undefined && breaks(v, rule))
      throw new ConfigError(`RestConfig.${key} must be ${want}; got ${describeValue(v)}`);
  }
}

/** A call's `timeoutMs` and `idleTimeoutMs`: each a finite number >= 0, else a TypeError naming it. */
function checkCallTimeouts(call: CallOptions): void {
  for (const key of ["timeoutMs", "idleTimeoutMs"] as const) {
    const v = call[key];
    if (v !== undefined && breaks(v, "ms"))
      throw new TypeError(`the call's ${key} must be ${msRule}; got ${describeValue(v)}`);
  }
}

function describeValue(v: unknown): string {
  return typeof v === "number" ? String(v) : `${typeof v} ${JSON.stringify(v)}`;
}

/** How one kind of call reads a 2xx response; everything else is the shared attempt loop. */
interface Reader<R> {
  /** Watches and log streams: the deadline only until the headers, then the liveness window. */
  streaming: boolean;
  /** Watches take no rate-limiter token. */
  rateLimited: boolean;
  /** `idleMs`: a stream's liveness window (0: none). */
  read(res: Response, desc: RequestDescription, cancel: Cancellation, idleMs: number): Promise<R> | R;
}

/** Where the attempt that failed stood: its stage, and the HTTP status once the headers were in. */
interface AttemptState {
  stage: AttemptStage;
  status?: number;
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  if (!h) return false;
  const l = name.toLowerCase();
  return Object.keys(h).some((k) => k.toLowerCase() === l);
}

function readJSON<T>(res: Response, desc: RequestDescription): Promise<T> {
  return decodeJSONBody(res.body, { what: `${desc.method} ${desc.url}`, url: desc.url }) as Promise<T>;
}

const asText: Reader<string> = {
  streaming: false,
  rateLimited: true,
  read: (res, desc) =>
    res.body.text().catch((err: unknown) => {
      if (errorCode(err) !== "ERR_STRING_TOO_LONG") throw err;
      throw new DecodeError(
        `${desc.method} ${desc.url}: the response is longer than the longest string (512 MiB); read it with requestStream`,
        desc.url,
        err,
      );
    }),
};

const asStream: Reader<AsyncIterable<Uint8Array>> = {
  streaming: true,
  rateLimited: true,
  read: (res, desc, cancel, idleMs) =>
    new BodyStream(res, chunksAsTheyCome, cancel, {
      what: `${desc.method} ${desc.url}`,
      url: desc.url,
      abortEnds: false,
      idleMs,
      idleAdvice: "request it again",
    }),
};

const asWatch: Reader<Response> = { streaming: true, rateLimited: false, read: (res) => res };

/** Where a call stood when its timeout expired, for the message. */
function phaseOf(stage: AttemptStage): string {
  switch (stage) {
    case "prepare":
      return "before the request was sent (rate limiter, credentials, or a wait to retry)";
    case "send":
      return "while connecting or sending the request";
    case "sent":
      return "waiting for the response";
    case "read":
      return "reading the response";
  }
}

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
    checkLimits(config);
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
    const cancel = new Cancellation(call.signal, this.#timeoutOf(call));
    const idleMs =
      call.idleTimeoutMs ??
      this.config.idleTimeoutMs ??
      watchIdleTimeoutMs({ ...(req.options as ListOptions), ...req.query });
    let desc: RequestDescription;
    try {
      checkCallTimeouts(call);
      desc = describeRequest(this.#target, { ...req, query: { ...req.query, watch: true } });
    } catch (err) {
      cancel.dispose();
      return new WatchStream<T>("", cancel, Promise.reject(err), 0);
    }
    const started = this.#attempts(desc, cancel, asWatch, 0).then(
      (res) => {
        cancel.clearTimer(); // no client-side cut-off once events flow
        return res;
      },
      (err: unknown) => {
        cancel.dispose();
        throw err;
      },
    );
    return new WatchStream<T>(desc.url, cancel, started, idleMs);
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
    checkCallTimeouts(callOptionsOf(req));
    const timeoutMs = this.#timeoutOf(callOptionsOf(req));
    const cancel = new Cancellation(callOptionsOf(req).signal, timeoutMs);
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
            if (creds.authorization) headers.Authorization = wireHeaderValue(creds.authorization);
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
    checkCallTimeouts(call);
    // As in client-go, the first wait for the rate limiter is not part of the timeout (a throttled
    // client does not time out calls before it sent them); the caller's signal still ends it.
    const timeoutMs = this.#timeoutOf(call);
    const throttled = reader.rateLimited && this.#limiter !== null;
    const cancel = new Cancellation(call.signal, throttled ? 0 : timeoutMs);
    const idleMs = reader.streaming ? (call.idleTimeoutMs ?? this.config.idleTimeoutMs ?? 0) : 0;
    let handedOff = false;
    try {
      const out = await this.#attempts(desc, cancel, reader, idleMs, throttled ? timeoutMs : 0);
      handedOff = reader.streaming; // the stream disposes of the cancellation when it ends
      return out;
    } finally {
      if (handedOff) cancel.clearTimer();
      else cancel.dispose();
    }
  }

  /** The call's timeout: its own, else the config's, else defaultTimeoutMs (0: none). */
  #timeoutOf(call: CallOptions): number {
    return call.timeoutMs ?? this.config.timeoutMs ?? defaultTimeoutMs;
  }

  /**
   * The failure of a call as it is reported: a timeout, the caller's abort, or a typed error. A write
   * whose attempt got as far as `attempt` says whether the server may have applied it.
   */
  #failure(desc: RequestDescription, err: unknown, cancel: Cancellation, attempt?: AttemptState): unknown {
    const write = attempt !== undefined && desc.method !== "GET";
    let mayHaveBeenApplied = false;
    let note = "";
    if (write && attempt.stage === "read" && attempt.status !== undefined) {
      const ok = attempt.status >= 200 && attempt.status < 300;
      mayHaveBeenApplied = ok;
      note = ok
        ? `the server answered ${attempt.status}, so it applied the request, but the response was cut short: read the object instead of retrying`
        : `the server answered ${attempt.status}, so it did not apply the request, but the response was cut short`;
    } else if (write && (attempt.stage === "sent" || attempt.stage === "read")) {
      mayHaveBeenApplied = true;
      note = "the request was sent; the server may have applied it: read the object before retrying";
    } else if (write) {
      note = "the request was not sent, so the server did not apply it";
    }
    const withNote = (msg: string) => (note ? `${msg}; ${note}` : msg);
    const t = cancel.timedOut();
    if (t) {
      const phase = attempt ? ` ${phaseOf(attempt.stage)}` : "";
      return new TransportError(
        withNote(`${desc.method} ${desc.url}: timed out after ${t.ms}ms${phase}`),
        desc.url,
        err,
        {
          code: "ETIMEDOUT",
          timedOut: true,
          mayHaveBeenApplied,
        },
      );
    }
    if (cancel.aborted) {
      // The caller's abort, as is; unless the server may have applied the write: then say so.
      if (!mayHaveBeenApplied) return cancel.reason;
      return new TransportError(withNote(`${desc.method} ${desc.url}: aborted`), desc.url, cancel.reason, {
        code: "ABORT_ERR",
        mayHaveBeenApplied,
      });
    }
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
      withNote(
        `${desc.method} ${desc.url}: ${describeFailure(err, this.#target.server.host, proxyFor(this.config, this.#target.server))}`,
      ),
      desc.url,
      err,
      code ? { code, mayHaveBeenApplied } : { mayHaveBeenApplied },
    );
  }

  /**
   * The attempt loop every call shares: rate limit, credentials, send, then read, retry or fail.
   * `timeoutAfterFirstWait` (> 0): the call's timeout, started once the rate limiter let the first
   * attempt go.
   */
  async #attempts<R>(
    desc: RequestDescription,
    cancel: Cancellation,
    reader: Reader<R>,
    idleMs: number,
    timeoutAfterFirstWait = 0,
  ): Promise<R> {
    const credential = hasHeader(desc.headers, "Authorization") ? {} : this.#credential;
    const retry = new RetryPolicy(this.#maxRetries);
    let retried401 = false;
    for (;;) {
      const attempt: AttemptState = { stage: "prepare" };
      let creds: Credentials = {};
      try {
        const limiter = reader.rateLimited ? this.#limiter : null;
        if (limiter && !limiter.tryAccept?.()) await limiter.wait(cancel.signal);
        if (timeoutAfterFirstWait > 0) {
          cancel.startTimer(timeoutAfterFirstWait);
          timeoutAfterFirstWait = 0;
        }
        const headers = { ...desc.headers };
        if (credential.refresh) {
          creds = await credential.refresh();
          if (creds.authorization) headers.Authorization = wireHeaderValue(creds.authorization);
        }
        attempt.stage = "send";
        const res = await send(this.#dispatcherFor(creds), desc, headers, {
          signal: cancel,
          onRequestSent: () => {
            attempt.stage = "sent";
          },
        });
        attempt.stage = "read";
        attempt.status = res.statusCode;
        this.#warnings(res);
        const code = res.statusCode;

        if (code === 401 && !retried401 && credential.onUnauthorized) {
          // Rejected before any processing: refresh the credential (token file, exec plugin) and try once more.
          const body = await res.body.text();
          retried401 = true;
          if (await credential.onUnauthorized(creds)) continue;
          throw this.#statusError(desc, res, body, undefined);
        }

        if (code >= 200 && code < 300) return await reader.read(res, desc, cancel, idleMs);

        // An error response: read it (bounded by the timeout) and decide.
        const body = await res.body.text();
        const retryAfter = parseRetryAfter(header(res, "retry-after"));
        const wait = retry.afterResponse(code, retryAfter);
        if (wait !== undefined) {
          attempt.stage = "prepare"; // refused with a Retry-After: not applied, and the next not yet sent
          attempt.status = undefined;
          await sleep(wait, cancel);
          continue;
        }
        throw this.#statusError(desc, res, body, retryAfter);
      } catch (err) {
        const wait = cancel.aborted ? undefined : retry.afterFailure(desc.method, attempt.stage, err);
        if (wait === undefined) throw this.#failure(desc, err, cancel, attempt);
        try {
          await sleep(wait, cancel);
        } catch (abortErr) {
          // Waiting to retry: this attempt failed in a way that was safe to repeat.
          throw this.#failure(desc, abortErr, cancel, { stage: "prepare" });
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
