// client-go's SharedIndexInformer: one Reflector feeding one Indexer, and any number of event
// handlers, each with its own queue (client-go's processorListener). A handler that is slow (returns a
// promise that takes long) or throws only delays or fails its own notifications; errors are reported
// to the handler's onError, else the informer's handler error handler.
//
// Notifications, per handler and in order: onAdd for a new object, onUpdate(old, new) when its
// resourceVersion changed, onDelete(obj) for a deleted one (a DeletedFinalStateUnknown when the delete
// happened while the informer was not watching and a relist found it gone). A relist delivers only
// what differs from the store, so nothing is delivered twice; a resync (per handler) delivers
// onUpdate(obj, obj) for every object.
import {
  defaultWatchErrorHandler,
  type ListerWatcher,
  Reflector,
  type ReflectorHealth,
  type ReflectorOptions,
  type ReflectorStore,
  type TransformFunc,
  type WatchErrorHandler,
} from "./reflector.js";
import {
  DeletedFinalStateUnknown,
  IndexError,
  Indexer,
  type Indexers,
  type ObjectWithMeta,
} from "./store.js";

/** client-go's ResourceEventHandlerFuncs; a handler may return a promise: its queue waits for it. */
export interface ResourceEventHandler<T> {
  /** `isInInitialList`: the object was part of the state the handler started from. */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

export interface HandlerOptions {
  /** Every this many ms the handler gets onUpdate(obj, obj) for every object (0 = never). */
  resyncPeriodMs?: number;
  /** Errors thrown (or rejected) by this handler; default: the informer's handler error handler. */
  onError?: (err: unknown, notification: Notification<unknown>) => void;
}

/** One queued notification. */
export type Notification<T> =
  | { type: "add"; obj: T; isInInitialList: boolean }
  | { type: "update"; oldObj: T; newObj: T }
  | { type: "delete"; obj: T | DeletedFinalStateUnknown<T> };

/** What addEventHandler returns (client-go's ResourceEventHandlerRegistration). */
export interface ResourceEventHandlerRegistration {
  /** True once the informer synced and this handler was given every object of the initial state. */
  hasSynced(): boolean;
  /** Stops the handler's notifications (queued ones are dropped). */
  remove(): void;
  /** Notifications waiting in this handler's queue. */
  pending(): number;
}

export interface SharedIndexInformerOptions<T> extends Omit<ReflectorOptions<T>, "transform"> {
  /** Index functions besides the built-in "namespace" index. */
  indexers?: Indexers<T>;
  /** Default resync period of handlers added without one (0 = no resync). */
  defaultResyncMs?: number;
  /** Runs on every object before it is stored (e.g. dropManagedFields). */
  transform?: TransformFunc<T>;
  /** Errors of handlers without their own onError (default: console.error). */
  handlerErrorHandler?: (err: unknown, notification: Notification<unknown>) => void;
}

function rv(obj: unknown): string | undefined {
  return (obj as ObjectWithMeta | undefined)?.metadata?.resourceVersion;
}

/** The longest period a Node timer holds (about 24.8 days); Node runs a longer one every 1 ms. */
const maxResyncMs = 2 ** 31 - 1;

/** client-go's minimumResyncPeriod: a shorter period is raised to it. */
const minResyncMs = 1000;

/**
 * A resync period as given, raised to 1 s with a warning (as client-go does) when shorter, or a
 * RangeError naming the option: NaN or Infinity would resync every 1 ms.
 */
function checkResync(ms: number, option: string): number {
  if (typeof ms !== "number" || !(ms >= 0 && ms <= maxResyncMs))
    throw new RangeError(`${option} must be a number of ms from 0 (no resync) to ${maxResyncMs} (got ${ms})`);
  if (ms > 0 && ms < minResyncMs) {
    process.emitWarning(
      `${option} ${ms} ms is too small; using the minimum of ${minResyncMs} ms`,
      "InformerWarning",
    );
    return minResyncMs;
  }
  return ms;
}

const defaultHandlerErrorHandler = (err: unknown, n: Notification<unknown>) => {
  console.error(`[informers] an event handler failed on ${n.type}:`, err);
};

/** One handler and its queue (client-go's processorListener). */
class Listener<T> implements ResourceEventHandlerRegistration {
  #queue: Notification<T>[] = [];
  #head = 0;
  #running = false;
  #removed = false;
  /** Initial-state notifications not yet handled. */
  #initialPending = 0;
  #initialQueued = false;
  #resyncTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly handler: ResourceEventHandler<T>,
    readonly resyncPeriodMs: number,
    private readonly onError: (err: unknown, n: Notification<unknown>) => void,
    private readonly informerSynced: () => boolean,
    private readonly onRemove: (l: Listener<T>) => void,
  ) {}

  hasSynced(): boolean {
    return this.#initialQueued && this.#initialPending === 0 && this.informerSynced();
  }

  pending(): number {
    return this.#queue.length - this.#head;
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.stopResync();
    this.#queue = [];
    this.#head = 0;
    this.onRemove(this);
  }

  /** Queues the initial state: the store's content when the handler joins a synced informer. */
  addInitial(objs: Iterable<T>): void {
    for (const obj of objs) {
      this.#initialPending++;
      this.#queue.push({ type: "add", obj, isInInitialList: true });
    }
    this.#initialQueued = true;
    this.#kick();
  }

  add(n: Notification<T>): void {
    if (this.#removed) return;
    if (n.type === "add" && n.isInInitialList) this.#initialPending++;
    this.#queue.push(n);
    this.#kick();
  }

  /** The informer synced: a handler added before the first sync has now seen its initial list queued. */
  markInitialQueued(): void {
    this.#initialQueued = true;
  }

  startResync(list: () => T[], signal: AbortSignal): void {
    if (this.resyncPeriodMs <= 0 || this.#resyncTimer !== undefined || this.#removed) return;
    this.#resyncTimer = setInterval(() => {
      if (signal.aborted) return this.stopResync();
      for (const obj of list()) this.add({ type: "update", oldObj: obj, newObj: obj });
    }, this.resyncPeriodMs);
    this.#resyncTimer.unref?.();
  }

  stopResync(): void {
    if (this.#resyncTimer !== undefined) clearInterval(this.#resyncTimer);
    this.#resyncTimer = undefined;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    queueMicrotask(() => void this.#pump());
  }

  async #pump(): Promise<void> {
    try {
      let sinceYield = 0;
      while (this.#head < this.#queue.length && !this.#removed) {
        const n = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined as unknown as Notification<T>;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        try {
          const r = this.#call(n);
          if (r !== undefined && typeof (r as Promise<void>).then === "function") await r;
        } catch (err) {
          try {
            this.onError(err, n as Notification<unknown>);
          } catch {
            // a failing error handler must not stop the queue
          }
        }
        if (n.type === "add" && n.isInInitialList) this.#initialPending--;
        // Let other handlers and I/O run between long runs of synchronous handlers.
        if (++sinceYield >= 512) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.#running = false;
      if (this.#head < this.#queue.length && !this.#removed) this.#kick();
    }
  }

  #call(n: Notification<T>): void | Promise<void> {
    const h = this.handler;
    switch (n.type) {
      case "add":
        return h.onAdd?.(n.obj, n.isInInitialList);
      case "update":
        return h.onUpdate?.(n.oldObj, n.newObj);
      case "delete":
        return h.onDelete?.(n.obj);
    }
  }
}

/** client-go's SharedIndexInformer over any ListerWatcher. */
export class SharedIndexInformer<T extends ObjectWithMeta> implements ReflectorStore<T> {
  readonly #indexer: Indexer<T>;
  readonly #reflector: Reflector<T>;
  readonly #listeners = new Set<Listener<T>>();
  readonly #opts: SharedIndexInformerOptions<T>;
  #signal: AbortSignal | undefined;
  #running: Promise<void> | undefined;
  /** run() ended: an informer runs once (client-go's sharedIndexInformer.stopped). */
  #stopped = false;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #watchErrorHandler: WatchErrorHandler | undefined;

  constructor(lw: ListerWatcher<T>, opts: SharedIndexInformerOptions<T> = {}) {
    if (opts.defaultResyncMs !== undefined) checkResync(opts.defaultResyncMs, "defaultResyncMs");
    this.#opts = opts;
    this.#indexer = new Indexer<T>(opts.indexers);
    const { indexers: _i, defaultResyncMs: _d, handlerErrorHandler: _h, ...reflectorOpts } = opts;
    this.#watchErrorHandler = opts.watchErrorHandler;
    this.#reflector = new Reflector<T>(lw, this, {
      ...reflectorOpts,
      watchErrorHandler: (err, health) => this.#reportWatchError(err, health),
    });
  }

  /** The store and its indices (client-go's GetIndexer). Read only: the informer owns its content. */
  getIndexer(): Indexer<T> {
    return this.#indexer;
  }

  /** Same as getIndexer (client-go's GetStore). */
  getStore(): Indexer<T> {
    return this.#indexer;
  }

  /** Adds index functions, indexing what is stored already; refused once the informer stopped. */
  addIndexers(indexers: Indexers<T>): void {
    if (this.#stopped) throw new IndexError(`${this.#stoppedMessage()}: its indexers were not added`);
    this.#indexer.addIndexers(indexers);
  }

  /** Replaces the watch error handler (client-go's SetWatchErrorHandler); before or while running. */
  setWatchErrorHandler(handler: WatchErrorHandler): void {
    this.#watchErrorHandler = handler;
  }

  #reportWatchError(err: unknown, health: ReflectorHealth): void {
    (this.#watchErrorHandler ?? defaultWatchErrorHandler)(err, health);
  }

  /**
   * Registers a handler. Joining a synced informer, it first gets onAdd(obj, true) for every stored
   * object. The registration's hasSynced() turns true once those are handled.
   */
  addEventHandler(
    handler: ResourceEventHandler<T>,
    opts: HandlerOptions = {},
  ): ResourceEventHandlerRegistration {
    if (this.#stopped) throw new Error(`${this.#stoppedMessage()}: the handler was not added`);
    const resync = checkResync(opts.resyncPeriodMs ?? this.#opts.defaultResyncMs ?? 0, "resyncPeriodMs");
    const onError = opts.onError ?? this.#opts.handlerErrorHandler ?? defaultHandlerErrorHandler;
    const l = new Listener<T>(
      handler,
      resync,
      onError,
      () => this.#synced,
      (x) => this.#listeners.delete(x),
    );
    this.#listeners.add(l);
    if (this.#synced) {
      l.addInitial(this.#indexer.list());
      if (this.#signal) l.startResync(() => this.#indexer.list(), this.#signal);
    }
    return l;
  }

  /** Removes a handler (same as registration.remove()). */
  removeEventHandler(reg: ResourceEventHandlerRegistration): void {
    reg.remove();
  }

  /** True once the first complete state is in the store. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the store is at. */
  lastSyncResourceVersion(): string {
    return this.#reflector.lastSyncResourceVersion();
  }

  /** State (listing / watching / backingOff / stopped), last event time, last error, counters. */
  health(): ReflectorHealth {
    return this.#reflector.health();
  }

  /** True while run() is running. */
  isRunning(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Lists and watches until `signal` aborts; resolves then. Calling it again while it runs returns the
   * same promise; after it ended, a rejected one (an informer runs once, as with client-go).
   */
  run(signal: AbortSignal): Promise<void> {
    if (this.#running) return this.#running;
    if (this.#stopped) return Promise.reject(new Error(`${this.#stoppedMessage()}: it runs only once`));
    this.#signal = signal;
    this.#running = this.#reflector.run(signal).finally(() => {
      for (const l of this.#listeners) l.stopResync();
      this.#running = undefined;
      this.#stopped = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    });
    return this.#running;
  }

  #stoppedMessage(): string {
    return `the informer of ${this.#reflector.name} has stopped (its run signal aborted); make a new informer (or factory) to start again`;
  }

  /** Resolves when the store synced (true) or `signal` aborted / the informer stopped first (false). */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return true;
    if (signal?.aborted) return false;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.#syncWaiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
    return this.#synced;
  }

  #distribute(n: Notification<T>): void {
    for (const l of this.#listeners) l.add(n);
  }

  // --- ReflectorStore: the Reflector's writes, turned into notifications ---

  /** @internal */
  replace(items: T[], _resourceVersion: string): void {
    const first = !this.#synced;
    const store = this.#indexer;
    if (first && store.size === 0) {
      store.replace(items);
      for (const obj of items) this.#distribute({ type: "add", obj, isInInitialList: true });
    } else {
      const keep = new Set<string>();
      for (const obj of items) {
        const key = store.keyFunc(obj);
        keep.add(key);
        const old = store.getByKey(key);
        if (old === undefined) {
          store.add(obj);
          this.#distribute({ type: "add", obj, isInInitialList: first });
        } else if (rv(old) !== rv(obj)) {
          store.add(obj);
          this.#distribute({ type: "update", oldObj: old, newObj: obj });
        }
      }
      const gone: [string, T][] = [];
      for (const entry of store.entries()) if (!keep.has(entry[0])) gone.push(entry);
      for (const [key, obj] of gone) {
        store.deleteByKey(key);
        this.#distribute({ type: "delete", obj: new DeletedFinalStateUnknown(key, obj) });
      }
    }
    if (first) {
      this.#synced = true;
      for (const l of this.#listeners) {
        l.markInitialQueued();
        if (this.#signal) l.startResync(() => this.#indexer.list(), this.#signal);
      }
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  /** @internal */
  add(obj: T): void {
    const old = this.#indexer.add(obj);
    if (old === undefined) this.#distribute({ type: "add", obj, isInInitialList: false });
    else this.#distribute({ type: "update", oldObj: old, newObj: obj });
  }

  /** @internal */
  update(obj: T): void {
    this.add(obj);
  }

  /** @internal */
  delete(obj: T): void {
    const old = this.#indexer.delete(obj);
    if (old !== undefined) this.#distribute({ type: "delete", obj });
  }
}

/**
 * Resolves true when every informer synced, false when `signal` aborts first (client-go's
 * WaitForCacheSync). Accepts informers and handler registrations.
 */
export async function waitForCacheSync(
  signal: AbortSignal,
  ...synced: ({ hasSynced(): boolean } | (() => boolean))[]
): Promise<boolean> {
  const check = () => synced.every((s) => (typeof s === "function" ? s() : s.hasSynced()));
  while (!check()) {
    if (signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, 20);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
  return true;
}
