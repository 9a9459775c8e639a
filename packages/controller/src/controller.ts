// The Controller runner: informers feed keys into a rate-limited workqueue, N workers reconcile them.
// This is the loop client-go's sample-controller writes by hand (and controller-runtime packages):
//   - a key is reconciled by at most one worker at a time (the workqueue's guarantee);
//   - reconcile(key, signal) resolving to nothing is success (the key's backoff is forgotten), to
//     { requeueAfterMs } schedules it again, and a rejection re-queues it with the rate limiter until
//     maxRetries, after which the key is dropped with a log line and a Warning event;
//   - run() stops on its AbortSignal or SIGTERM: no new keys are taken and in-flight reconciles finish
//     (their signal aborts only after drainTimeoutMs);
//   - with leaderElection, workers run only while this replica leads, and the signal given to
//     reconcile aborts the moment leadership is lost.
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, type ObjectWithMeta } from "@org/informers";
import { type Clock, realClock } from "./clock.js";
import type { EventObject, EventRecorder } from "./events/events.js";
import {
  type LeaderElectionConfig,
  LeaderElector,
  LeadershipLostError,
} from "./leaderelection/leaderelection.js";
import { type Logger, stderrLogger } from "./logger.js";
import type { MetricsProvider } from "./workqueue/metrics.js";
import { defaultTypedControllerRateLimiter, type TypedRateLimiter } from "./workqueue/ratelimiters.js";
import { newTypedRateLimitingQueue, type RateLimitingQueue } from "./workqueue/ratelimiting.js";

/** What a reconcile may resolve to besides nothing: a request to look at the key again later. */
export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds (its failure backoff is forgotten). */
  requeueAfterMs: number;
}

/**
 * Brings the object named by `key` ("namespace/name") to its desired state. Resolving to nothing is
 * success; a rejection is a failure (re-queued with the rate limiter).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an async function that returns nothing is Promise<void>
export type Reconciler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/** The part of an informer the runner uses (a SharedIndexInformer of @org/informers has it). */
export interface EventSource<T> {
  /** Registers the runner's handler (the informer's ResourceEventHandler). */
  addEventHandler(handler: {
    onAdd?(obj: T, isInInitialList: boolean): void;
    onUpdate?(oldObj: T, newObj: T): void;
    onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
  }): unknown;
  /** True once the informer's first complete state is in its store. */
  hasSynced(): boolean;
}

/** How a watched object maps to keys to reconcile. */
export interface WatchOptions<T> {
  /** Keys to enqueue for an object (default: its own "namespace/name"); e.g. its owner's key. */
  keys?(obj: T): string[];
  /** Whether an update deserves a reconcile (default: when resourceVersion changed). */
  onUpdate?(oldObj: T, newObj: T): boolean;
}

/** Leader election around run(): the lease, the timings, all but the callbacks. */
export type ControllerLeaderElection = Omit<LeaderElectionConfig, "callbacks"> & {
  /** Called when another replica is seen leading. */
  onNewLeader?(identity: string): void;
};

/** Options of a Controller. */
export interface ControllerOptions {
  /** Names the queue (metrics) and the log lines. */
  name: string;
  /** Called for each key taken from the queue, at most once at a time per key. */
  reconcile: Reconciler;
  /** Concurrent reconciles of different keys (default 1). */
  workers?: number;
  /**
   * Retries of a failed key before it is dropped (default 15): a key is reconciled at most
   * maxRetries + 1 times in a row without success (sample-controller's `NumRequeues < maxRetries`).
   */
  maxRetries?: number;
  /** Default: client-go's default controller rate limiter (5 ms…1000 s per key, 10 qps overall). */
  rateLimiter?: TypedRateLimiter<string>;
  /** Where "dropped after maxRetries" events go; `objectForKey` names what they are about. */
  recorder?: EventRecorder;
  /** The object a key stands for (for the drop event), e.g. from a lister. */
  objectForKey?(key: string): EventObject | undefined;
  /** Run workers only while this replica holds the lease. */
  leaderElection?: ControllerLeaderElection;
  /** Stop on SIGTERM (and SIGINT) as on run()'s signal (default true). */
  handleSignals?: boolean;
  /** After shutdown starts, in-flight reconciles get this long before their signal aborts (30 s). */
  drainTimeoutMs?: number;
  /** Metrics of the controller's queue (named after the controller). */
  metricsProvider?: MetricsProvider;
  /** Where the runner logs (default: stderr). */
  logger?: Logger;
  /** Time source (a FakeClock in tests). */
  clock?: Clock;
}

/** A workqueue-driven controller (client-go sample-controller's Controller, generalized). */
export class Controller {
  /** The controller's queue: add keys yourself with enqueue() or queue.add(). */
  readonly queue: RateLimitingQueue<string>;
  /** The controller's name (logs, queue metrics). */
  readonly name: string;
  readonly #opts: ControllerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sources: EventSource<unknown>[] = [];
  #elector: LeaderElector | undefined;
  #state: "new" | "running" | "ended" = "new";

  constructor(opts: ControllerOptions) {
    if (!opts.name) throw new TypeError("Controller: name is required");
    if (opts.workers !== undefined && !(opts.workers >= 1))
      throw new RangeError(`Controller ${opts.name}: workers must be ≥ 1 (got ${opts.workers})`);
    // NaN would drop every key on its first failure, or abort every reconcile 1 ms into a shutdown.
    for (const option of ["maxRetries", "drainTimeoutMs"] as const) {
      const v = opts[option];
      if (v !== undefined && !(v >= 0))
        throw new RangeError(`Controller ${opts.name}: ${option} must be ≥ 0 (got ${v})`);
    }
    this.name = opts.name;
    this.#opts = opts;
    this.#log = opts.logger ?? stderrLogger;
    this.#clock = opts.clock ?? realClock;
    this.queue = newTypedRateLimitingQueue(
      opts.rateLimiter ?? defaultTypedControllerRateLimiter(this.#clock),
      {
        name: opts.name,
        clock: this.#clock,
        ...(opts.metricsProvider ? { metricsProvider: opts.metricsProvider } : {}),
      },
    );
  }

  /**
   * Enqueues keys for the informer's objects on add, update and delete. run() waits for the informer
   * to sync before the workers start.
   */
  watch<T>(source: EventSource<T>, opts: WatchOptions<T> = {}): this {
    const keysOf = (obj: T | DeletedFinalStateUnknown<T>): string[] => {
      if (obj instanceof DeletedFinalStateUnknown) {
        return opts.keys ? opts.keys(obj.obj as T) : [obj.key];
      }
      return opts.keys ? opts.keys(obj) : [metaNamespaceKeyFunc(obj as ObjectWithMeta)];
    };
    const enqueue = (obj: T | DeletedFinalStateUnknown<T>) => {
      for (const k of keysOf(obj)) this.queue.add(k);
    };
    const changed =
      opts.onUpdate ??
      ((a: T, b: T) =>
        (a as ObjectWithMeta).metadata?.resourceVersion !== (b as ObjectWithMeta).metadata?.resourceVersion);
    source.addEventHandler({
      onAdd: (obj) => enqueue(obj),
      onUpdate: (oldObj, newObj) => {
        if (changed(oldObj, newObj)) enqueue(newObj);
      },
      onDelete: (obj) => enqueue(obj),
    });
    this.#sources.push(source as EventSource<unknown>);
    return this;
  }

  /** Adds a key to reconcile. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** False once this replica has lost (or never had) the lease; always true without leader election. */
  isLeader(): boolean {
    if (!this.#opts.leaderElection) return true;
    return this.#elector?.isLeader() ?? false;
  }

  /**
   * Runs until `signal` aborts (or SIGTERM), draining in-flight reconciles, then resolves. With leader
   * election it first waits to lead; if leadership is lost it stops the workers at once and rejects
   * with a LeadershipLostError (exit and start again, as client-go controllers do).
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.#state === "running") throw new Error(`Controller ${this.name}: run() is already running`);
    if (this.#state === "ended")
      // Its queue was shut down when run() ended: a second run would hold the lease and reconcile nothing.
      throw new Error(
        `Controller ${this.name}: run() has already ended; a Controller runs once, make a new one to run again`,
      );
    this.#state = "running";
    const stop = new AbortController();
    const onSignal = () => stop.abort(new Error("received a termination signal"));
    const handle = this.#opts.handleSignals ?? true;
    if (handle) {
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    }
    const outer = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    try {
      const le = this.#opts.leaderElection;
      if (!le) {
        await this.#runWorkers(outer, undefined);
        return;
      }
      let lost = false;
      this.#elector = new LeaderElector({
        ...le,
        logger: le.logger ?? this.#log,
        callbacks: {
          onStartedLeading: (leading) => this.#runWorkers(outer, leading),
          onStoppedLeading: () => {
            lost = !outer.aborted;
          },
          ...(le.onNewLeader ? { onNewLeader: le.onNewLeader } : {}),
        },
      });
      await this.#elector.run(outer);
      if (lost) throw new LeadershipLostError(`Controller ${this.name}: leadership lost`);
    } finally {
      if (handle) {
        process.removeListener("SIGTERM", onSignal);
        process.removeListener("SIGINT", onSignal);
      }
      this.queue.shutDown();
      this.#state = "ended";
    }
  }

  async #runWorkers(stop: AbortSignal, leading: AbortSignal | undefined): Promise<void> {
    const abortAll = new AbortController();
    const reconcileSignal = leading ? AbortSignal.any([leading, abortAll.signal]) : abortAll.signal;
    const ended = leading ? AbortSignal.any([stop, leading]) : stop;
    this.#log.info("waiting for informer caches to sync", { controller: this.name });
    while (!this.#sources.every((s) => s.hasSynced())) {
      try {
        await this.#clock.sleep(20, ended);
      } catch {
        return;
      }
    }
    const workers = this.#opts.workers ?? 1;
    this.#log.info("starting workers", { controller: this.name, count: workers });
    const loops = Array.from({ length: workers }, () => this.#worker(reconcileSignal));
    await new Promise<void>((r) =>
      ended.aborted ? r() : ended.addEventListener("abort", () => r(), { once: true }),
    );
    if (leading?.aborted) {
      // Lost the lease: stop at once; in-flight reconciles see their signal aborted already.
      abortAll.abort(leading.reason);
      this.queue.shutDown();
    } else {
      this.#log.info("shutting down: draining in-flight reconciles", { controller: this.name });
      const drainMs = this.#opts.drainTimeoutMs ?? 30_000;
      let timedOut = false;
      const timer = this.#clock.setTimeout(
        () => {
          timedOut = true;
          abortAll.abort(new Error(`drain timeout of ${drainMs} ms`));
          this.queue.shutDown(); // ends the drain's wait
        },
        drainMs,
        false,
      );
      this.#stopTaking = true;
      await this.queue.shutDownWithDrain();
      this.#clock.clearTimeout(timer);
      if (timedOut) {
        // A reconcile that ignores its signal must not keep run() from returning (client-go's and
        // controller-runtime's runners do not wait past their grace period either).
        this.#log.error("drain timeout: reconcile signals aborted, not waiting for them to end", {
          controller: this.name,
          drainTimeoutMs: drainMs,
        });
        return;
      }
    }
    await Promise.all(loops);
    this.#log.info("workers stopped", { controller: this.name });
  }

  #stopTaking = false;

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const r = await this.queue.get();
      if (r.shutdown) return;
      const key = r.item;
      if (this.#stopTaking || signal.aborted || !this.isLeader()) {
        // Shutting down or not leading: leave the key for whoever runs next.
        this.queue.done(key);
        if (signal.aborted || this.#stopTaking) return;
        continue;
      }
      try {
        const result = await this.#opts.reconcile(key, signal);
        this.queue.forget(key);
        if (result && result.requeueAfterMs >= 0 && !signal.aborted)
          this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.#handleError(key, err, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  #handleError(key: string, err: unknown, signal: AbortSignal): void {
    if (signal.aborted) return; // not a failure of the key: we stopped
    const maxRetries = this.#opts.maxRetries ?? 15;
    const attempts = this.queue.numRequeues(key);
    if (attempts < maxRetries) {
      this.#log.error("error reconciling, requeuing", {
        controller: this.name,
        key,
        attempt: attempts + 1,
        err,
      });
      this.queue.addRateLimited(key);
      return;
    }
    this.queue.forget(key);
    this.#log.error("dropping key after too many failures", {
      controller: this.name,
      key,
      attempts: attempts + 1,
      err,
    });
    const obj = this.#opts.objectForKey?.(key);
    if (obj && this.#opts.recorder) {
      this.#opts.recorder.eventf(
        obj,
        undefined,
        "Warning",
        "ReconcileFailed",
        "Reconcile",
        "%s gave up on %s after %d attempts: %s",
        this.name,
        key,
        attempts + 1,
        err instanceof Error ? err.message : String(err),
      );
    }
  }
}
