// Streamed responses: watches and log streams. A body stream is read, and fails, in one way for both
// (BodyStream); a watch decodes it incrementally: the API server sends one JSON event per line
// ({"type":..,"object":..}). Lines may be split across chunks (and UTF-8 characters across chunk
// boundaries); a line that is not a valid event is an error, never dropped; an ERROR event becomes a
// StatusError.

import { StringDecoder } from "node:string_decoder";
import type { Cancellation } from "./cancel.js";
import { isSpace } from "./decode.js";
import { DecodeError, isGone, type Status, StatusError, TransportError } from "./errors.js";
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
    const err = new StatusError(ev.object as Status, "WATCH", url);
    // the server's message says what ("too old resource version: 2 (234)"), not what to do
    if (isGone(err))
      err.message += `; the resourceVersion is older than the server keeps: list again and watch from the list's resourceVersion`;
    throw err;
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

/** Decodes newline-delimited watch events from a byte stream. */
export async function* decodeWatchEvents<T>(
  chunks: AsyncIterable<Uint8Array>,
  url: string,
): AsyncGenerator<WatchEvent<T>> {
  const decoder = new WatchLineDecoder<T>(url);
  const out: WatchEvent<T>[] = [];
  const step = (decode: () => void): { err: unknown } | undefined => {
    try {
      decode();
    } catch (err) {
      return { err };
    }
  };
  for await (const chunk of chunks) {
    const failed = step(() => decoder.push(chunk, out));
    // the events before a bad line still reach the caller, then the error
    yield* out.splice(0);
    if (failed) throw failed.err;
  }
  const failed = step(() => decoder.end(out));
  yield* out.splice(0);
  if (failed) throw failed.err;
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

/**
 * Turns a body's chunks into items: `push` appends what a chunk completes to `out`, `end` what is
 * left when the body ends. Either throws at bad input, after appending what came before it.
 */
export interface ChunkDecoder<T> {
  push(chunk: Uint8Array, out: T[]): void;
  end(out: T[]): void;
}

/** A byte stream's chunks as they come. */
export const chunksAsTheyCome: ChunkDecoder<Uint8Array> = {
  push: (chunk, out) => {
    out.push(chunk);
  },
  end: () => {},
};

/**
 * Items decoded but not yet taken at which a BodyStream pauses its connection. Several chunks arrive
 * in one turn of the event loop, before the caller runs, so a bound of one chunk would pause (and
 * resume) the connection on most turns of a fast stream; 64 events or log chunks never do that.
 */
const maxQueued = 64;

const done: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * What `decoder` makes of the body of `res`, under the liveness window `label.idleMs`: the one place
 * a streamed body is read and fails. An abort ends it (or throws the signal's reason), a StatusError
 * or DecodeError from decoding is thrown as it is, a silent stream is a TransportError with code
 * IDLE_TIMEOUT, anything else a TransportError. Always releases the connection and the cancellation.
 *
 * The body is read as it flows and decoded chunk by chunk into a queue that `next()` hands out, an
 * already resolved promise per item: no async generators between the socket and the caller (they
 * cost a few hops per chunk and one per item, a measurable part of a watch's decode). The connection
 * is paused while `maxQueued` items wait, so a slow caller holds back the socket instead of queueing
 * without bound.
 */
export class BodyStream<T> implements AsyncIterableIterator<T> {
  readonly #res: Response;
  readonly #decoder: ChunkDecoder<T>;
  readonly #cancel: Cancellation;
  readonly #label: StreamLabel;
  #items: T[] = [];
  #at = 0;
  #ended = false;
  #failed: { err: unknown } | undefined;
  #finished = false;
  #paused = false;
  #waiting:
    | { promise: Promise<IteratorResult<T>>; resolve: (r: Promise<IteratorResult<T>>) => void }
    | undefined;

  constructor(res: Response, decoder: ChunkDecoder<T>, cancel: Cancellation, label: StreamLabel) {
    this.#res = res;
    this.#decoder = decoder;
    this.#cancel = cancel;
    this.#label = label;
    cancel.idleAfter(label.idleMs);
    res.body.consume({
      data: (chunk) => this.#push(chunk),
      end: () => {
        if (this.#failed || this.#ended) return;
        this.#ended = true;
        this.#decode(() => decoder.end(this.#items));
        this.#wake();
      },
      error: (err) => this.#fail(err),
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#waiting) return this.#waiting.promise.then(() => this.next());
    if (this.#finished) return Promise.resolve(done);
    if (this.#at < this.#items.length) {
      if (this.#label.abortEnds && stoppedByCaller(this.#cancel)) return Promise.resolve(this.#finish());
      const value = this.#items[this.#at++] as T;
      if (this.#at === this.#items.length) this.#drained();
      return Promise.resolve({ done: false, value });
    }
    if (this.#failed) return this.#settle(this.#failed.err);
    if (this.#ended) return Promise.resolve(this.#finish());
    let resolve!: (r: Promise<IteratorResult<T>>) => void;
    const promise = new Promise<IteratorResult<T>>((r) => {
      resolve = r;
    });
    this.#waiting = { promise, resolve };
    return promise;
  }

  /** The caller is done (a `break` out of its loop): the connection is released. */
  return(): Promise<IteratorResult<T>> {
    return Promise.resolve(this.#finish());
  }

  /** Decodes a chunk; false (pause the connection) once `maxQueued` items wait for the caller. */
  #push(chunk: Uint8Array): boolean {
    if (this.#failed || this.#finished) return false;
    this.#cancel.touch();
    this.#decode(() => this.#decoder.push(chunk, this.#items));
    if (this.#items.length - this.#at >= maxQueued && !this.#failed) this.#paused = true;
    this.#wake();
    return !this.#paused;
  }

  #decode(step: () => void): void {
    try {
      step();
    } catch (err) {
      // the items before the bad input still reach the caller, then the error
      this.#failed = { err };
      this.#res.body.destroy();
    }
  }

  #fail(err: unknown): void {
    if (this.#failed || this.#finished) return;
    this.#failed = { err };
    this.#wake();
  }

  /** Every queued item was taken: the queue starts again, and a paused body flows again. */
  #drained(): void {
    this.#items.length = 0;
    this.#at = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#res.body.resume();
    }
  }

  #wake(): void {
    const w = this.#waiting;
    if (!w) return;
    this.#waiting = undefined;
    w.resolve(this.next());
  }

  /** Ends the stream: the connection and the cancellation are released. */
  #finish(): IteratorReturnResult<undefined> {
    if (!this.#finished) {
      this.#finished = true;
      this.#items = [];
      this.#at = 0;
      this.#cancel.dispose();
      if (!this.#res.body.destroyed) this.#res.body.destroy();
    }
    return done;
  }

  /** The stream failed with `err`: it ends quietly (stopped by the caller) or rejects with what `err` means. */
  #settle(err: unknown): Promise<IteratorResult<T>> {
    this.#finish();
    const cancel = this.#cancel;
    const label = this.#label;
    if (stoppedByCaller(cancel))
      return label.abortEnds ? Promise.resolve(done) : Promise.reject(cancel.reason);
    const idle = cancel.idled();
    if (idle) {
      return Promise.reject(
        new TransportError(
          `${label.what}: no data for ${idle.ms}ms (its liveness window, idleTimeoutMs): the server or the connection stalled; ${label.idleAdvice}`,
          label.url,
          err,
          { code: "IDLE_TIMEOUT", timedOut: true },
        ),
      );
    }
    if (err instanceof StatusError || err instanceof DecodeError) return Promise.reject(err);
    const code = errorCode(err);
    return Promise.reject(
      new TransportError(
        `${label.what}: connection broken: ${(err as Error).message}`,
        label.url,
        err,
        code ? { code } : {},
      ),
    );
  }
}

/** A running watch: the request started when it was made; iterating decodes its events. */
export class WatchStream<T> implements Watch<T>, AsyncIterator<WatchEvent<T>> {
  readonly #cancel: Cancellation;
  readonly #url: string;
  readonly #started: Promise<Response>;
  readonly #idleMs: number;
  #events: Promise<BodyStream<WatchEvent<T>> | undefined> | undefined;
  #body: BodyStream<WatchEvent<T>> | undefined;

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
    return this;
  }

  next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.#body) return this.#body.next();
    this.#events ??= this.#started.then(
      (res) => {
        this.#body = new BodyStream(res, new WatchLineDecoder<T>(this.#url), this.#cancel, {
          what: `watch ${this.#url}`,
          url: this.#url,
          abortEnds: true,
          idleMs: this.#idleMs,
          idleAdvice: "watch again from the last resourceVersion",
        });
        return this.#body;
      },
      (err: unknown) => {
        if (this.#cancel.aborted && !this.#cancel.timedOut()) return undefined;
        throw err;
      },
    );
    return this.#events.then((body) => (body ? body.next() : done));
  }

  return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.stop();
    return this.#body ? this.#body.return() : Promise.resolve(done);
  }
}
