// Streamed responses: watches and log streams. Reading a body stream fails in one way for both
// (streamBody); a watch decodes it incrementally: the API server sends one JSON event per line
// ({"type":..,"object":..}). Lines may be split across chunks (and UTF-8 characters across chunk
// boundaries); a line that is not a valid event is an error, never dropped; an ERROR event becomes a
// StatusError.

import type { Cancellation } from "./cancel.js";
import { DecodeError, type Status, StatusError, TransportError } from "./errors.js";
import type { Watch, WatchEvent, WatchEventType } from "./options.js";
import { errorCode, type Response } from "./transport.js";

const eventTypes = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);

function decodeLine<T>(line: string, url: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new DecodeError(
      `watch ${url}: malformed event (not JSON): ${line.length > 120 ? `${line.slice(0, 120)}...` : line}`,
      url,
      err,
    );
  }
  const ev = v as { type?: unknown; object?: unknown };
  if (
    !ev ||
    typeof ev !== "object" ||
    typeof ev.type !== "string" ||
    typeof ev.object !== "object" ||
    ev.object === null
  ) {
    throw new DecodeError(`watch ${url}: malformed event (want {"type": ..., "object": {...}})`, url);
  }
  if (ev.type === "ERROR") {
    const status = ev.object as Status;
    throw new StatusError(status, "WATCH", url);
  }
  if (!eventTypes.has(ev.type))
    throw new DecodeError(`watch ${url}: unknown event type ${JSON.stringify(ev.type)}`, url);
  return { type: ev.type as WatchEventType, object: ev.object as T };
}

/** Decodes newline-delimited watch events from a byte stream. */
export async function* decodeWatchEvents<T>(
  chunks: AsyncIterable<Uint8Array>,
  url: string,
): AsyncGenerator<WatchEvent<T>> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let buf = "";
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    // Only the new text can hold the next newline: a big event split over many chunks is scanned once.
    let nl = text.indexOf("\n");
    if (nl < 0) {
      buf += text;
      continue;
    }
    nl += buf.length;
    buf += text;
    let start = 0;
    while (nl >= 0) {
      const line = buf.slice(start, nl).trim();
      start = nl + 1;
      if (line) yield decodeLine<T>(line, url);
      nl = buf.indexOf("\n", start);
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  const rest = buf.trim();
  if (rest) yield decodeLine<T>(rest, url);
}

/**
 * A watch's liveness window when no idleTimeoutMs is set: the longest the API server may
 * legitimately stay silent, plus a grace of 30 s. With bookmarks (allowWatchBookmarks or
 * sendInitialEvents) it sends one about every 60 s, so 90 s (less when timeoutSeconds ends the
 * watch sooner); without them it may send nothing until it ends the watch: timeoutSeconds, else its
 * longest default (2 × --min-request-timeout, 60 min).
 */
export function watchIdleTimeoutMs(opts: {
  allowWatchBookmarks?: unknown;
  sendInitialEvents?: unknown;
  timeoutSeconds?: unknown;
}): number {
  const graceMs = 30_000;
  const timeoutSeconds = Number(opts.timeoutSeconds);
  const serverEndMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : 3_600_000;
  const bookmarks = [opts.allowWatchBookmarks, opts.sendInitialEvents].some(
    (v) => v === true || v === "true",
  );
  return (bookmarks ? Math.min(60_000, serverEndMs) : serverEndMs) + graceMs;
}

/** How a stream that was cut short is reported: "<what>: <cause>" on the request's URL. */
export interface StreamLabel {
  /** "watch <url>", "GET <url>". */
  what: string;
  url: string;
  /** A watch ends normally when it is stopped or its signal aborts; a log stream throws the reason. */
  abortEnds: boolean;
  /** The liveness window (0: none); what to do when it expires. */
  idleMs: number;
  idleAdvice: string;
}

/** Touches the liveness window on every chunk. */
async function* touching(
  chunks: AsyncIterable<Uint8Array>,
  cancel: Cancellation,
): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    cancel.touch();
    yield c;
  }
}

/**
 * Yields what `decode` makes of the body of `res`, under the liveness window `label.idleMs`. The one
 * place a streamed body fails: an abort ends it (or throws the signal's reason), a StatusError or
 * DecodeError from decoding is thrown as it is, a silent stream is a TransportError with code
 * IDLE_TIMEOUT, anything else a TransportError. Always releases the connection and the cancellation.
 */
export async function* streamBody<T>(
  res: Response,
  decode: (chunks: AsyncIterable<Uint8Array>) => AsyncIterable<T>,
  cancel: Cancellation,
  label: StreamLabel,
): AsyncGenerator<T> {
  const aborted = () => cancel.signal.aborted && !cancel.timedOut() && !cancel.idled();
  cancel.idleAfter(label.idleMs);
  try {
    for await (const item of decode(touching(res.body, cancel))) {
      if (label.abortEnds && aborted()) return;
      yield item;
    }
  } catch (err) {
    if (aborted()) {
      if (label.abortEnds) return;
      throw cancel.signal.reason;
    }
    const idle = cancel.idled();
    if (idle) {
      throw new TransportError(
        `${label.what}: no data for ${idle.ms}ms (its liveness window, idleTimeoutMs): the server or the connection stalled; ${label.idleAdvice}`,
        label.url,
        err,
        { code: "IDLE_TIMEOUT", timedOut: true },
      );
    }
    if (err instanceof StatusError || err instanceof DecodeError) throw err;
    const code = errorCode(err);
    throw new TransportError(
      `${label.what}: connection broken: ${(err as Error).message}`,
      label.url,
      err,
      code ? { code } : {},
    );
  } finally {
    cancel.dispose();
    if (!res.body.destroyed) res.body.destroy();
  }
}

/** A running watch: the request started when it was made; iterating decodes its events. */
export class WatchStream<T> implements Watch<T> {
  readonly #cancel: Cancellation;
  readonly #url: string;
  readonly #started: Promise<Response>;
  readonly #idleMs: number;
  #iter?: AsyncGenerator<WatchEvent<T>>;

  /**
   * `started` is the request (its response headers), under `cancel`; `url` names it in errors;
   * `idleMs` is its liveness window once the headers are in (0: none).
   */
  constructor(url: string, cancel: Cancellation, started: Promise<Response>, idleMs: number) {
    this.#url = url;
    this.#idleMs = idleMs;
    this.#cancel = cancel;
    this.#started = started;
    this.#started.catch(() => {}); // reported when iterated
  }

  stop(): void {
    this.#cancel.controller.abort();
    this.#cancel.dispose();
    this.#started.then(
      (res) => res.body.destroy(),
      () => {},
    );
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
      if (this.#cancel.signal.aborted && !this.#cancel.timedOut()) return;
      throw err;
    }
    yield* streamBody(res, (chunks) => decodeWatchEvents<T>(chunks, this.#url), this.#cancel, {
      what: `watch ${this.#url}`,
      url: this.#url,
      abortEnds: true,
      idleMs: this.#idleMs,
      idleAdvice: "watch again from the last resourceVersion",
    });
  }
}
