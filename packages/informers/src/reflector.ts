// client-go's cache.Reflector: keeps a store in step with the server through list-then-watch.
//
//   sync:  watch-list (one WATCH with sendInitialEvents=true, resourceVersionMatch=NotOlderThan, ending
//          with the "k8s.io/initial-events-end" bookmark) when the server offers it, else a LIST with
//          limit/continue (500 per page) at client-go's resourceVersion: "0" for the first (the API
//          server answers it from its watch cache, whole, not from etcd: many informers starting at
//          once cost etcd nothing), "" after a 410 (a quorum read, paged); either way the store is
//          replaced with the result and the informer diffs it (updates, adds, DeletedFinalStateUnknown
//          tombstones).
//   watch: from the last resourceVersion seen (events and bookmarks move it), allowWatchBookmarks,
//          a random server-side timeoutSeconds; a watch the server closes is resumed at once.
//   liveness: a watch that delivers nothing (no event, no bookmark) for the idle timeout is stopped
//          and reported (IdleWatchError); the reflector then reconnects.
//   errors: 410 Gone (the resourceVersion is compacted or too old) relists; everything else waits an
//          exponential backoff with jitter (800 ms → 30 s, reset after 2 min healthy), at least the
//          server's Retry-After on 429/5xx.

import { setTimeout as sleep } from "node:timers/promises";
import {
  isGone,
  type ListOptions,
  StatusError,
  suggestsClientDelay,
  type Watch,
  type WatchEvent,
} from "@org/rest";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { IndexError, type ObjectWithMeta } from "./store.js";

/** A list as the API server returns it: the items and the list's resourceVersion and continue token. */
export interface ObjectList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[] | null;
}

/**
 * The list/watch contract an informer needs (client-go's ListerWatcher). Typed resource clients
 * (`clientset.coreV1().pods("")`), DynamicClient resources and MetadataClient resources all satisfy it.
 */
export interface ListerWatcher<T> {
  list(opts: ListOptions): Promise<ObjectList<T>>;
  watch(opts: ListOptions): Watch<T>;
}

/** What a Reflector writes into (the informer implements it). */
export interface ReflectorStore<T> {
  /** A complete state at `resourceVersion` (after a LIST or a watch-list's initial events). */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

/** Runs on every object before it reaches the store; may return the same object, changed. */
export type TransformFunc<T> = (obj: T) => T;

/** The Reflector's state. */
export type ReflectorState = "idle" | "listing" | "watching" | "backingOff" | "stopped";

/** A watch that delivered no event and no bookmark for the idle timeout (e.g. a stalled server). */
export class IdleWatchError extends Error {
  override name = "IdleWatchError";
  constructor(
    readonly idleMs: number,
    readonly resource: string,
  ) {
    super(
      `watch of ${resource}: no event or bookmark for ${Math.round(idleMs)} ms; the server or the connection stalled, reconnecting`,
    );
  }
}

/** A watch that the server closed before the watch-list's initial events ended, or at once without events. */
export class ShortWatchError extends Error {
  override name = "ShortWatchError";
}

/** Counters of what the Reflector did (for health pages and tests). */
export interface ReflectorStats {
  /** LIST requests (every page counts). */
  listRequests: number;
  /** WATCH requests (watch-list syncs included). */
  watchRequests: number;
  /** Completed syncs (LIST or watch-list) that replaced the store. */
  syncs: number;
  /** Syncs done through watch-list. */
  watchListSyncs: number;
  /** 410 Gone answers that forced a relist. */
  gone: number;
  /** Watches stopped by the idle timeout. */
  idleRestarts: number;
  /** Errors reported to the watch error handler. */
  errors: number;
  /** Events applied to the store (bookmarks excluded). */
  events: number;
  /** Bookmarks received. */
  bookmarks: number;
}

/** The Reflector's health: what `informer.health()` reports. */
export interface ReflectorHealth {
  state: ReflectorState;
  /** True once the first complete state reached the store. */
  hasSynced: boolean;
  /** The resourceVersion the store is at (client-go's LastSyncResourceVersion). */
  lastSyncResourceVersion: string;
  /** When the last event or bookmark arrived (ms since the epoch), 0 before the first. */
  lastEventTime: number;
  /** The last error and when it happened (ms since the epoch); kept after recovery (see consecutiveErrors). */
  lastError?: unknown;
  lastErrorTime?: number;
  /** Errors since the last event. */
  consecutiveErrors: number;
  /** True when the server accepted watch-list; false once it refused it and LIST is used. */
  watchList: boolean;
  /** The idle timeout of the current watch. */
  idleTimeoutMs: number;
  stats: ReflectorStats;
}

/** Called with every error the Reflector meets (client-go's WatchErrorHandler). */
export type WatchErrorHandler = (err: unknown, health: ReflectorHealth) => void;

export interface ReflectorOptions<T> {
  /** Names the resource in errors and messages, e.g. "pods". */
  name?: string;
  /**
   * Changes the options of every LIST and WATCH, e.g. sets a label or field selector (client-go's
   * TweakListOptionsFunc). The Reflector's own fields (resourceVersion, limit, watch fields) win.
   */
  tweakListOptions?: (opts: ListOptions) => void;
  /** LIST page size (default 500). */
  pageSize?: number;
  /** Try watch-list first (default true); the reflector falls back to LIST when the server refuses it. */
  useWatchList?: boolean;
  /**
   * Server-side watch timeout: each watch asks for a random timeoutSeconds in [min, 2 × min]
   * (client-go's rule; default min 300 s).
   */
  minWatchTimeoutSeconds?: number;
  /**
   * Idle timeout of a watch. Default: derived from the server's bookmark cadence (one a minute, and
   * one 2 s before timeoutSeconds) — min(60 s, timeoutSeconds) + 15 s.
   */
  idleTimeoutMs?: number;
  /** Timeout of each LIST page and of each WATCH until its response headers arrive (default 60 000). */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
  transform?: TransformFunc<T>;
  /** Errors are reported here (default: one console.warn line each). */
  watchErrorHandler?: WatchErrorHandler;
  /** Health changes (state, sync) are reported here; for tests and health pages. */
  onHealth?: (health: ReflectorHealth) => void;
}

const initialEventsEnd = "k8s.io/initial-events-end";

/** A watch and its one iterator (a watch-list hands the same iterator on to the watch). */
interface Stream<T> {
  w: Watch<T>;
  it: AsyncIterator<WatchEvent<T>>;
}
const bookmarkCadenceSeconds = 60;
const idleGraceSeconds = 15;

function rvOf(obj: unknown): string | undefined {
  return (obj as ObjectWithMeta | undefined)?.metadata?.resourceVersion;
}

/** True for a 504 whose cause says the requested resourceVersion is ahead of the server. */
function isTooLargeResourceVersion(err: unknown): boolean {
  return (
    err instanceof StatusError &&
    (err.status.details?.causes ?? []).some((c) => c.reason === "ResourceVersionTooLarge")
  );
}

/** The server refused watch-list itself (an old server, a disabled feature): fall back to LIST. */
function refusesWatchList(err: unknown): boolean {
  return (
    err instanceof StatusError &&
    (err.code === 400 || err.code === 422 || err.code === 405 || err.code === 501 || err.code === 406)
  );
}

/** The default watch error handler: one console.warn line per error. */
export const defaultWatchErrorHandler: WatchErrorHandler = (err, health) => {
  const msg = err instanceof Error ? err.message : String(err);
  console.warn(
    `[informers] ${msg} (state ${health.state}, resourceVersion ${health.lastSyncResourceVersion})`,
  );
};

export class Reflector<T> {
  readonly name: string;
  readonly #lw: ListerWatcher<T>;
  readonly #store: ReflectorStore<T>;
  readonly #opts: ReflectorOptions<T>;
  readonly #backoff: Backoff;
  readonly #pageSize: number;
  readonly #requestTimeoutMs: number;
  readonly #minWatchTimeout: number;
  #useWatchList: boolean;
  #rv = "";
  /** The next sync must list again (first run, 410, too-large RV). */
  #needSync = true;
  #state: ReflectorState = "idle";
  #synced = false;
  #lastEventTime = 0;
  #lastError: unknown;
  #lastErrorTime: number | undefined;
  #consecutiveErrors = 0;
  #consecutiveGone = 0;
  /** The last resourceVersion is gone from the server: sync at the newest one. */
  #rvUnavailable = false;
  #idleTimeoutMs = 0;
  #watchTimeoutSeconds = 0;
  readonly #stats: ReflectorStats = {
    listRequests: 0,
    watchRequests: 0,
    syncs: 0,
    watchListSyncs: 0,
    gone: 0,
    idleRestarts: 0,
    errors: 0,
    events: 0,
    bookmarks: 0,
  };

  constructor(lw: ListerWatcher<T>, store: ReflectorStore<T>, opts: ReflectorOptions<T> = {}) {
    if (typeof lw?.list !== "function" || typeof lw?.watch !== "function") {
      throw new TypeError("Reflector: the lister-watcher needs list(opts) and watch(opts) methods");
    }
    this.#lw = lw;
    this.#store = store;
    this.#opts = opts;
    this.name = opts.name ?? "objects";
    this.#backoff = new Backoff(opts.backoff);
    this.#pageSize = opts.pageSize ?? 500;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.#minWatchTimeout = opts.minWatchTimeoutSeconds ?? 300;
    this.#useWatchList = opts.useWatchList ?? true;
    if (!(this.#pageSize > 0) || !(this.#minWatchTimeout > 0)) {
      throw new RangeError("Reflector: pageSize and minWatchTimeoutSeconds must be positive");
    }
  }

  /** True once the first complete state reached the store. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the store is at. */
  lastSyncResourceVersion(): string {
    return this.#rv;
  }

  health(): ReflectorHealth {
    const h: ReflectorHealth = {
      state: this.#state,
      hasSynced: this.#synced,
      lastSyncResourceVersion: this.#rv,
      lastEventTime: this.#lastEventTime,
      consecutiveErrors: this.#consecutiveErrors,
      watchList: this.#useWatchList,
      idleTimeoutMs: this.#idleTimeoutMs,
      stats: { ...this.#stats },
    };
    if (this.#lastErrorTime !== undefined) {
      h.lastError = this.#lastError;
      h.lastErrorTime = this.#lastErrorTime;
    }
    return h;
  }

  /**
   * Lists and watches until `signal` aborts. Never throws for server or connection errors; an
   * IndexError from the store (an index function that throws) ends it with that error, because
   * listing again would fail on the same object (client-go panics there).
   */
  async run(outer: AbortSignal): Promise<void> {
    if (this.#state !== "idle" && this.#state !== "stopped") {
      throw new Error(`Reflector for ${this.name} is already running`);
    }
    // One listener on the caller's signal however many requests run (many informers share one signal).
    const inner = new AbortController();
    const onAbort = () => inner.abort(outer.reason);
    if (outer.aborted) inner.abort(outer.reason);
    else outer.addEventListener("abort", onAbort, { once: true });
    const signal = inner.signal;
    try {
      while (!signal.aborted) {
        try {
          await this.#listAndWatch(signal);
        } catch (err) {
          if (signal.aborted) break;
          const delay = this.#handleError(err);
          if (err instanceof IndexError) throw err;
          if (delay > 0) {
            this.#setState("backingOff");
            await sleep(delay, undefined, { signal }).catch(() => {});
          }
        }
      }
    } finally {
      outer.removeEventListener("abort", onAbort);
      this.#setState("stopped");
    }
  }

  #setState(s: ReflectorState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#opts.onHealth?.(this.health());
  }

  /** Reports the error; returns how long to wait before the next attempt. */
  #handleError(err: unknown): number {
    this.#stats.errors++;
    this.#consecutiveErrors++;
    this.#lastError = err;
    this.#lastErrorTime = Date.now();
    if (err instanceof IdleWatchError) this.#stats.idleRestarts++;
    try {
      (this.#opts.watchErrorHandler ?? defaultWatchErrorHandler)(err, this.health());
    } catch {
      // a throwing error handler must not stop the reflector
    }
    if (isGone(err) || isTooLargeResourceVersion(err)) {
      this.#stats.gone += isGone(err) ? 1 : 0;
      this.#needSync = true;
      this.#rvUnavailable = true;
      // The first 410 relists at once; repeated ones back off.
      if (this.#consecutiveGone++ === 0) return 0;
    } else {
      this.#consecutiveGone = 0;
    }
    const delay = this.#backoff.nextDelayMs();
    const retryAfter = suggestsClientDelay(err);
    return retryAfter !== undefined ? Math.max(delay, retryAfter * 1000) : delay;
  }

  #healthy(): void {
    this.#lastEventTime = Date.now();
    if (this.#consecutiveErrors !== 0) {
      this.#consecutiveErrors = 0;
      this.#consecutiveGone = 0;
    }
  }

  #transform(obj: T): T {
    const t = this.#opts.transform;
    return t === undefined ? obj : t(obj);
  }

  #baseOptions(): ListOptions {
    const o: ListOptions = {};
    this.#opts.tweakListOptions?.(o);
    return o;
  }

  async #listAndWatch(signal: AbortSignal): Promise<void> {
    let w: Stream<T> | undefined;
    if (this.#needSync) {
      if (this.#useWatchList) {
        w = await this.#watchList(signal);
        if (w === undefined) await this.#list(signal);
      } else {
        await this.#list(signal);
      }
      this.#needSync = false;
    }
    for (;;) {
      await this.#watch(signal, w);
      w = undefined;
      if (signal.aborted) return;
    }
  }

  /** A LIST, page by page; replaces the store. */
  async #list(signal: AbortSignal): Promise<void> {
    this.#setState("listing");
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    // client-go's relistResourceVersion: a resourceVersion that is gone lists from etcd ("");
    // otherwise the one the store is at, "0" before the first sync (the watch cache's).
    const listRV = this.#rvUnavailable ? "" : this.#rv || "0";
    for (;;) {
      const opts: ListOptions = {
        ...this.#baseOptions(),
        limit: this.#pageSize,
        signal,
        timeoutMs: this.#requestTimeoutMs,
      };
      // the reflector's own; a continue token carries the list's resourceVersion (the server refuses both)
      delete opts.resourceVersion;
      if (cont !== undefined) opts.continue = cont;
      else if (listRV) opts.resourceVersion = listRV;
      this.#stats.listRequests++;
      let page: ObjectList<T>;
      try {
        page = await this.#lw.list(opts);
      } catch (err) {
        if (cont !== undefined && isGone(err)) {
          // The continue token expired while paging: start the list over.
          items.length = 0;
          cont = undefined;
          continue;
        }
        throw err;
      }
      for (const it of page.items ?? []) items.push(this.#transform(it));
      if (cont === undefined) rv = page.metadata?.resourceVersion ?? "";
      cont = page.metadata?.continue || undefined;
      if (cont === undefined) break;
    }
    this.#replace(items, rv);
  }

  #replace(items: T[], rv: string): void {
    this.#store.replace(items, rv);
    this.#rv = rv;
    this.#rvUnavailable = false;
    this.#stats.syncs++;
    this.#healthy();
    if (!this.#synced) {
      this.#synced = true;
      this.#opts.onHealth?.(this.health());
    }
  }

  #startWatch(signal: AbortSignal, extra: ListOptions): Stream<T> {
    const timeoutSeconds = Math.floor(this.#minWatchTimeout * (1 + Math.random()));
    this.#watchTimeoutSeconds = timeoutSeconds;
    this.#stats.watchRequests++;
    const w = this.#lw.watch({
      ...this.#baseOptions(),
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal,
      timeoutMs: this.#requestTimeoutMs,
      ...extra,
    });
    return { w, it: w[Symbol.asyncIterator]() };
  }

  /**
   * A watch-list sync: the initial events are collected and replace the store at the end bookmark; the
   * same stream then goes on as the watch. Returns undefined when the server refuses watch-list.
   */
  async #watchList(signal: AbortSignal): Promise<Stream<T> | undefined> {
    this.#setState("listing");
    const items: T[] = [];
    let done = false;
    let w: Stream<T> | undefined;
    try {
      // inside the try: a lister-watcher may refuse watch-list by throwing from watch() itself
      w = this.#startWatch(signal, {
        sendInitialEvents: true,
        resourceVersionMatch: "NotOlderThan",
        ...(this.#rv && !this.#rvUnavailable ? { resourceVersion: this.#rv } : {}),
      });
      await this.#consume(signal, w, (ev) => {
        if (ev.type === "BOOKMARK") {
          const ann = (ev.object as { metadata?: { annotations?: Record<string, string> } }).metadata
            ?.annotations;
          if (ann?.[initialEventsEnd] === "true") {
            this.#stats.watchListSyncs++;
            this.#replace(items, rvOf(ev.object) ?? "");
            done = true;
            return false;
          }
          return true;
        }
        if (ev.type === "ADDED") items.push(this.#transform(ev.object));
        else
          throw new ShortWatchError(
            `watch-list of ${this.name}: unexpected ${ev.type} event before the initial events ended`,
          );
        return true;
      });
    } catch (err) {
      w?.w.stop();
      if (refusesWatchList(err)) {
        this.#useWatchList = false;
        this.#opts.onHealth?.(this.health());
        return undefined;
      }
      throw err;
    }
    if (!done) {
      w.w.stop();
      if (signal.aborted) return undefined;
      throw new ShortWatchError(
        `watch-list of ${this.name}: the server closed the watch before the initial events ended`,
      );
    }
    return w;
  }

  /**
   * Runs one watch to its end: `onEvent` returning false hands the stream back (watch-list). Throws
   * the watch's error, or IdleWatchError after the idle timeout.
   */
  async #consume(
    signal: AbortSignal,
    w: Stream<T>,
    onEvent: (ev: WatchEvent<T>) => boolean,
  ): Promise<{ events: number }> {
    const idleMs =
      this.#opts.idleTimeoutMs ??
      (Math.min(bookmarkCadenceSeconds, this.#watchTimeoutSeconds) + idleGraceSeconds) * 1000;
    this.#idleTimeoutMs = idleMs;
    let idle = false;
    const timer = setTimeout(() => {
      idle = true;
      w.w.stop();
    }, idleMs);
    // Stopping ends the watch even when the lister-watcher does not follow the signal itself.
    const stop = () => w.w.stop();
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    let events = 0;
    try {
      for (;;) {
        const r = await w.it.next();
        if (r.done) break;
        timer.refresh();
        events++;
        const ev = r.value;
        this.#healthy();
        if (ev.type === "BOOKMARK") this.#stats.bookmarks++;
        if (!onEvent(ev)) return { events };
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
    }
    if (idle && !signal.aborted) throw new IdleWatchError(idleMs, this.name);
    return { events };
  }

  /** One watch from the last resourceVersion (or the stream a watch-list left open). */
  async #watch(signal: AbortSignal, open?: Stream<T>): Promise<void> {
    const w = open ?? this.#startWatch(signal, { resourceVersion: this.#rv });
    this.#setState("watching");
    const started = Date.now();
    const { events } = await this.#consume(signal, w, (ev) => {
      const rv = rvOf(ev.object);
      switch (ev.type) {
        case "ADDED":
          this.#store.add(this.#transform(ev.object));
          this.#stats.events++;
          break;
        case "MODIFIED":
          this.#store.update(this.#transform(ev.object));
          this.#stats.events++;
          break;
        case "DELETED":
          this.#store.delete(this.#transform(ev.object));
          this.#stats.events++;
          break;
        case "BOOKMARK":
          break;
      }
      if (rv) this.#rv = rv;
      return true;
    });
    if (!signal.aborted && open === undefined && events === 0 && Date.now() - started < 1000) {
      // client-go's "very short watch": a server closing watches at once must not be hammered.
      throw new ShortWatchError(`watch of ${this.name}: the server closed the watch at once, without events`);
    }
  }
}
