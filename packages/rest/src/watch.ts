// Streamed responses: watches and log streams. Reading a body stream fails in one way for both
// (streamBody); a watch decodes it incrementally: the API server sends one JSON event per line
// ({"type":..,"object":..}). Lines may be split across chunks (and UTF-8 characters across chunk
// boundaries); a line that is not a valid event is an error, never dropped; an ERROR event becomes a
// StatusError.

import { StringDecoder } from "node:string_decoder";
import type { Cancellation } from "./cancel.js";
import { isSpace } from "./decode.js";
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

/**
 * Splits newline-delimited watch events out of byte chunks and decodes them. Each chunk is one UTF-8
 * decode (a StringDecoder: a character split across chunks is completed by the next one), its events
 * are slices of that string, each one JSON.parse; the text after the last newline is kept as string
 * pieces and joined once, with the next chunk's text up to its first newline, when the line is
 * complete (no bytes are copied, and a large event over many chunks is not rescanned).
 */
class WatchLineDecoder<T> {
  readonly #url: string;
  readonly #utf8 = new StringDecoder("utf8");
  /** The text of the line being received, in pieces. */
  #pieces: string[] = [];

  constructor(url: string) {
    this.#url = url;
  }

  /** Appends the events completed by `chunk` to `out`; throws at the first bad line (after appending those before it). */
  push(chunk: Uint8Array, out: WatchEvent<T>[]): void {
    const text = this.#utf8.write(chunk);
    let nl = text.indexOf("\n");
    if (nl < 0) {
      if (text) this.#pieces.push(text);
      return;
    }
    let start = 0;
    if (this.#pieces.length > 0) {
      this.#pieces.push(text.slice(0, nl));
      const line = this.#pieces.join("");
      this.#pieces = [];
      this.#decode(line, 0, line.length, out);
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    while (nl >= 0) {
      this.#decode(text, start, nl, out);
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    if (start < text.length) this.#pieces.push(text.slice(start));
  }

  /** The last event, when the stream ends without a newline after it. */
  end(out: WatchEvent<T>[]): void {
    this.#pieces.push(this.#utf8.end());
    const rest = this.#pieces.join("");
    this.#pieces = [];
    this.#decode(rest, 0, rest.length, out);
  }

  /** The event on text[start, end), if the line is not blank. */
  #decode(text: string, start: number, end: number, out: WatchEvent<T>[]): void {
    if (end <= start) return;
    let line = text.slice(start, end);
    if (isSpace(line.charCodeAt(0)) || isSpace(line.charCodeAt(line.length - 1))) {
      line = line.trim();
      if (!line) return;
    }
    out.push(decodeLine<T>(line, this.#url));
  }
}

/**
 * Decodes newline-delimited watch events from a byte stream: the events each chunk completes, as one
 * batch (one hop through the async generators per chunk, not per event).
 */
async function* decodeWatchEventBatches<T>(
  chunks: AsyncIterable<Uint8Array>,
  url: string,
): AsyncGenerator<WatchEvent<T>[]> {
  const decoder = new WatchLineDecoder<T>(url);
  let failed: { err: unknown } | undefined;
  const drain = (step: (out: WatchEvent<T>[]) => void): WatchEvent<T>[] => {
    const out: WatchEvent<T>[] = [];
    try {
      step(out);
    } catch (err) {
      failed = { err };
    }
    return out;
  };
  for await (const chunk of chunks) {
    const out = drain((o) => decoder.push(chunk, o));
    // the events before a bad line still reach the caller, then the error
    if (out.length > 0) yield out;
    if (failed) throw failed.err;
  }
  const out = drain((o) => decoder.end(o));
  if (out.length > 0) yield out;
  if (failed) throw failed.err;
}

/** Decodes newline-delimited watch events from a byte stream. */
export async function* decodeWatchEvents<T>(
  chunks: AsyncIterable<Uint8Array>,
  url: string,
): AsyncGenerator<WatchEvent<T>> {
  for await (const batch of decodeWatchEventBatches<T>(chunks, url)) yield* batch;
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

/** The stream's caller stopped it or aborted its signal (not its deadline, not its liveness window). */
function stoppedByCaller(cancel: Cancellation): boolean {
  return cancel.aborted && !cancel.timedOut() && !cancel.idled();
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
  const aborted = () => stoppedByCaller(cancel);
  cancel.idleAfter(label.idleMs);
  try {
    for await (const item of decode(touching(res.body, cancel))) {
      if (label.abortEnds && aborted()) return;
      yield item;
    }
  } catch (err) {
    if (aborted()) {
      if (label.abortEnds) return;
      throw cancel.reason;
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
    this.#cancel.abort();
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
      if (this.#cancel.aborted && !this.#cancel.timedOut()) return;
      throw err;
    }
    const batches = streamBody(res, (chunks) => decodeWatchEventBatches<T>(chunks, this.#url), this.#cancel, {
      what: `watch ${this.#url}`,
      url: this.#url,
      abortEnds: true,
      idleMs: this.#idleMs,
      idleAdvice: "watch again from the last resourceVersion",
    });
    for await (const batch of batches) {
      for (const ev of batch) {
        // stopped while a chunk's events were being handed out: the rest are not delivered
        if (stoppedByCaller(this.#cancel)) return;
        yield ev;
      }
    }
  }
}
