// RESTClient, the counterpart of client-go's rest.RESTClient: executes RequestSpecs against one API
// server with one transport (keep-alive pool, TLS, proxy), one rate limiter and one credential source
// per config object. Retries 429/5xx-with-Retry-After and GETs after a connection reset; never retries a
// non-idempotent request after an ambiguous failure.

import { Authenticator, type Credentials, validateAuth } from "./auth.js";
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
import { assertExecConfig, ExecPluginError } from "./exec.js";
import type { Watch, WatchEvent } from "./options.js";
import { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
import { buildRequest, normalizeHost, type RequestDescription, type RequestSpec } from "./request.js";
import { createDispatcher, type Dispatcher, type Response, send } from "./transport.js";
import { defaultWarningHandler, parseWarnings } from "./warnings.js";
import { decodeWatchEvents } from "./watch.js";

export const defaultQPS = 5;
export const defaultBurst = 10;
export const defaultMaxRetries = 10;
/**
 * Retries after a failure without a response (refused, or a reset/EOF on a GET): few and quick, so a
 * server that is down fails the call in about 1.5 s, as kubectl's does, instead of after the full
 * Retry-After budget.
 */
export const maxConnectionRetries = 3;

type Mode = "json" | "text" | "stream" | "watch";

const clients = new WeakMap<RestConfig, RESTClient>();

/** Marks an abort caused by the request's own timeout. */
class TimeoutReason {
  constructor(readonly ms: number) {}
}

const retryableGetCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
  "ECONNREFUSED",
  "UND_ERR_CLOSED",
]);

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return undefined;
}

function describe(err: unknown, host: string): string {
  const code = errCode(err);
  const msg = (err as Error)?.message ?? String(err);
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

/** Waits `ms`; rejects with the signal's reason as soon as it aborts (also used by clientset's retry). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After as seconds (integer or HTTP date), or undefined. */
export function parseRetryAfter(v: string | undefined, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return Math.max(0, Math.ceil((t - now) / 1000));
  return undefined;
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

/** An abort that came from the caller, the request's timeout, or a watch's stop(). */
interface Cancellation {
  signal: AbortSignal;
  controller: AbortController;
  userSignal?: AbortSignal;
  clearTimer(): void;
  timedOut(): TimeoutReason | undefined;
  dispose(): void;
}

function cancellation(userSignal: AbortSignal | undefined, timeoutMs: number | undefined): Cancellation {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onUser = () => controller.abort(userSignal!.reason);
  if (userSignal) {
    if (userSignal.aborted) controller.abort(userSignal.reason);
    else userSignal.addEventListener("abort", onUser, { once: true });
  }
  if (timeoutMs && timeoutMs > 0 && !controller.signal.aborted) {
    timer = setTimeout(() => controller.abort(new TimeoutReason(timeoutMs)), timeoutMs);
  }
  const c: Cancellation = {
    signal: controller.signal,
    controller,
    clearTimer: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    timedOut: () =>
      controller.signal.reason instanceof TimeoutReason ? controller.signal.reason : undefined,
    dispose: () => {
      c.clearTimer();
      userSignal?.removeEventListener("abort", onUser);
    },
  };
  if (userSignal) c.userSignal = userSignal;
  return c;
}

export class RESTClient {
  readonly config: RestConfig;
  readonly #base: URL;
  readonly #limiter: RateLimiter | null;
  readonly #auth: Authenticator;
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
    this.#base = normalizeHost(config);
    validateAuth(config);
    if (config.exec) assertExecConfig(config.exec);
    if (config.rateLimiter !== undefined) this.#limiter = config.rateLimiter;
    else {
      const qps = config.qps ?? defaultQPS;
      this.#limiter = qps > 0 ? new TokenBucketRateLimiter(qps, config.burst ?? defaultBurst) : null;
    }
    this.#auth = new Authenticator(config);
    this.#maxRetries = config.maxRetries ?? defaultMaxRetries;
    this.#warn = config.warningHandler ?? defaultWarningHandler;
    // Build the transport now so that unreadable certificate files fail here, with their path.
    this.#dispatcher = createDispatcher(config, this.#base);
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
  async request<T = unknown>(req: RequestSpec): Promise<T> {
    return (await this.#execute(req, "json")) as T;
  }

  /** Sends the request and returns the body as text (e.g. pod logs). */
  async requestText(req: RequestSpec): Promise<string> {
    return (await this.#execute(req, "text")) as string;
  }

  /** Sends the request and streams the body (e.g. logs with follow); no timeout after the headers. */
  async requestStream(req: RequestSpec): Promise<AsyncIterable<Uint8Array>> {
    return (await this.#execute(req, "stream")) as AsyncIterable<Uint8Array>;
  }

  /** Starts a watch (adds watch=true); not rate limited; iterate it with `for await`. */
  watch<T = unknown>(req: RequestSpec): Watch<T> {
    return new WatchStream<T>(
      this.config,
      req,
      (cancel) => this.#execute(req, "watch", cancel) as Promise<Response>,
    );
  }

  #dispatcherFor(creds: Credentials): Dispatcher {
    if (creds.clientCert) {
      if (this.#certDispatcher?.cert !== creds.clientCert.cert) {
        const old = this.#certDispatcher?.dispatcher;
        this.#certDispatcher = {
          cert: creds.clientCert.cert,
          dispatcher: createDispatcher(this.config, this.#base, creds.clientCert),
        };
        old?.close().catch(() => {});
      }
      return this.#certDispatcher.dispatcher;
    }
    this.#dispatcher ??= createDispatcher(this.config, this.#base);
    return this.#dispatcher;
  }

  async #execute(req: RequestSpec, mode: Mode, external?: Cancellation): Promise<unknown> {
    const spec = mode === "watch" ? { ...req, query: { ...req.query, watch: true } } : req;
    const desc = buildRequest(this.config, spec);
    const streaming = mode === "stream" || mode === "watch";
    const timeoutMs = req.timeoutMs ?? this.config.timeoutMs;
    const cancel = external ?? cancellation(req.signal, timeoutMs);
    let handedOff = false;
    try {
      const out = await this.#attempts(desc, mode, cancel, streaming, timeoutMs);
      handedOff = streaming;
      return out;
    } finally {
      if (handedOff) cancel.clearTimer();
      else if (!external) cancel.dispose();
    }
  }

  #transportError(desc: RequestDescription, err: unknown, cancel: Cancellation): unknown {
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
    const code = errCode(err);
    return new TransportError(
      `${desc.method} ${desc.url}: ${describe(err, this.#base.host)}`,
      desc.url,
      err,
      code ? { code } : {},
    );
  }

  async #attempts(
    desc: RequestDescription,
    mode: Mode,
    cancel: Cancellation,
    streaming: boolean,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    const explicitAuth = hasHeader(desc.headers, "Authorization");
    let retried401 = false;
    let retries = 0;
    let connectionRetries = 0;
    for (;;) {
      const signal = cancel.signal;
      let res: Response | undefined;
      let creds: Credentials = {};
      try {
        if (mode !== "watch" && this.#limiter) await this.#limiter.wait(signal);
        const headers = { ...desc.headers };
        if (!explicitAuth && this.#auth.dynamic) {
          creds = await this.#auth.credentials();
          if (creds.authorization) headers.Authorization = creds.authorization;
        }
        const opts: Parameters<typeof send>[3] = { signal };
        if (streaming) {
          opts.bodyTimeout = 0;
          // No timeout configured: no client-side limit at all (a follow stream may stay quiet).
          opts.headersTimeout = timeoutMs && timeoutMs > 0 ? timeoutMs : 0;
        } else if (timeoutMs && timeoutMs > 0) {
          // Our deadline governs, not undici's 300 s defaults.
          opts.headersTimeout = 0;
          opts.bodyTimeout = 0;
        }
        res = await send(this.#dispatcherFor(creds), desc, headers, opts);
        this.#warnings(res);
        const code = res.statusCode;

        if (code === 401 && !retried401 && !explicitAuth && this.#auth.dynamic) {
          // Rejected before any processing: refresh the credential (token file, exec plugin) and try once more.
          const body = (await readBody(res)).toString("utf8");
          retried401 = true;
          if (await this.#auth.unauthorized(creds)) continue;
          throw this.#statusError(desc, res, body, undefined);
        }

        if (code >= 200 && code < 300) {
          if (streaming) return mode === "watch" ? res : wrapStream(res, desc, cancel);
          const text = await res.body.text();
          if (mode === "text") return text;
          if (text.length === 0) return undefined;
          try {
            return JSON.parse(text);
          } catch (err) {
            throw new DecodeError(
              `${desc.method} ${desc.url}: the response is not valid JSON (${(err as Error).message})`,
              desc.url,
              err,
            );
          }
        }

        // An error response: read it (bounded by the timeout) and decide.
        const body = (await readBody(res)).toString("utf8");
        const retryAfter = parseRetryAfter(header(res, "retry-after"));
        if ((code === 429 || code >= 500) && retryAfter !== undefined && retries < this.#maxRetries) {
          retries++;
          await sleep(retryAfter * 1000, signal);
          continue;
        }
        throw this.#statusError(desc, res, body, retryAfter);
      } catch (err) {
        if (res === undefined || !(err instanceof StatusError || err instanceof DecodeError)) {
          // A failure without a (complete) response.
          if (
            !signal.aborted &&
            connectionRetries < Math.min(maxConnectionRetries, this.#maxRetries) &&
            this.#retryable(desc.method, err)
          ) {
            connectionRetries++;
            try {
              await sleep(backoffMs(connectionRetries), signal);
            } catch (abortErr) {
              throw this.#transportError(desc, abortErr, cancel);
            }
            continue;
          }
        }
        throw this.#transportError(desc, err, cancel);
      }
    }
  }

  #retryable(method: string, err: unknown): boolean {
    if (err instanceof StatusError || err instanceof DecodeError || err instanceof TransportError)
      return false;
    const code = errCode(err);
    if (code === undefined) return false;
    // Refused: nothing was sent, safe for every verb. Reset/EOF: ambiguous, only for GET.
    if (code === "ECONNREFUSED") return true;
    return method === "GET" && retryableGetCodes.has(code);
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

/** 200ms, 400ms, 800ms, 1.6s, then 2s (plus up to 20% jitter). */
function backoffMs(attempt: number): number {
  const base = Math.min(2000, 200 * 2 ** (attempt - 1));
  return base + Math.random() * base * 0.2;
}

function wrapStream(
  res: Response,
  desc: RequestDescription,
  cancel: Cancellation,
): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of res.body) yield chunk as Uint8Array;
      } catch (err) {
        if (cancel.signal.aborted) throw cancel.signal.reason;
        throw new TransportError(
          `${desc.method} ${desc.url}: stream broken: ${(err as Error).message}`,
          desc.url,
          err,
          {
            ...(errCode(err) ? { code: errCode(err)! } : {}),
          },
        );
      } finally {
        cancel.dispose();
        if (!res.body.destroyed) res.body.destroy();
      }
    },
  };
}

class WatchStream<T> implements Watch<T> {
  readonly #cancel: Cancellation;
  readonly #url: string;
  readonly #started: Promise<Response>;
  #stopped = false;
  #iter?: AsyncGenerator<WatchEvent<T>>;

  constructor(config: RestConfig, req: RequestSpec, start: (cancel: Cancellation) => Promise<Response>) {
    this.#cancel = cancellation(req.signal, req.timeoutMs ?? config.timeoutMs);
    let url = "";
    try {
      url = buildRequest(config, { ...req, query: { ...req.query, watch: true } }).url;
      this.#started = start(this.#cancel);
    } catch (err) {
      this.#started = Promise.reject(err);
    }
    this.#url = url;
    this.#started.catch(() => {}); // reported when iterated
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel.controller.abort();
    this.#cancel.dispose();
    this.#started.then(
      (res) => res.body.destroy(),
      () => {},
    );
  }

  #ended(): boolean {
    return this.#stopped || (this.#cancel.signal.aborted && !this.#cancel.timedOut());
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    this.#iter ??= this.#run();
    return this.#iter;
  }

  async *#run(): AsyncGenerator<WatchEvent<T>> {
    let res: Response;
    try {
      res = await this.#started;
    } catch (err) {
      if (this.#ended()) return;
      throw err;
    }
    try {
      for await (const ev of decodeWatchEvents<T>(res.body, this.#url)) {
        if (this.#stopped) return;
        yield ev;
      }
    } catch (err) {
      if (this.#ended()) return;
      if (err instanceof StatusError || err instanceof DecodeError) throw err;
      throw new TransportError(
        `watch ${this.#url}: connection broken: ${(err as Error).message}`,
        this.#url,
        err,
        {
          ...(errCode(err) ? { code: errCode(err)! } : {}),
        },
      );
    } finally {
      this.#stopped = true;
      this.#cancel.dispose();
      if (!res.body.destroyed) res.body.destroy();
    }
  }
}
