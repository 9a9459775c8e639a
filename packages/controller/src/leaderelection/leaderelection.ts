// client-go's tools/leaderelection on a Lease. One candidate at a time holds the lease and renews it
// every retryPeriod; the others take it over once they have seen the same record, unchanged, for
// leaseDuration by their own clock (never by the lease's timestamps, so clock skew between machines
// cannot make two leaders). The leader stops leading, and aborts the signal it gave onStartedLeading,
// as soon as renewDeadline has passed since its last successful renew, before the others may take over.
import { isConflict, isNotFound } from "@org/rest";
import { type Clock, type ClockTimer, realClock } from "../clock.js";
import { type Logger, stderrLogger } from "../logger.js";
import { type LeaderElectionRecord, microTime, type ResourceLock } from "./leaselock.js";

/** What the elector calls (client-go's LeaderCallbacks). */
export interface LeaderCallbacks {
  /**
   * Called when this candidate becomes the leader. `signal` aborts (with a LeadershipLostError) the
   * moment leadership ends; stop all work then. With releaseOnCancel the lease is released after the
   * returned promise settles (waiting at most until the renew deadline).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends, whatever the reason. Not called if this candidate never led. */
  onStoppedLeading?(): void;
  /**
   * Called when the observed holder changes, this candidate included; with "" when the lease was
   * released (as client-go's OnNewLeader), and again when a holder comes back.
   */
  onNewLeader?(identity: string): void;
}

/** Options of leader election (client-go's LeaderElectionConfig); durations in milliseconds. */
export interface LeaderElectionConfig {
  /** Where the record lives: a LeaseLock. */
  lock: ResourceLock;
  /** How long others wait, from when they observed the last change, before taking over (15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renew before it stops leading (10 s). */
  renewDeadlineMs?: number;
  /** How often the leader renews and candidates try to acquire (2 s). */
  retryPeriodMs?: number;
  /** When run()'s signal aborts, hand the lease over at once instead of letting it expire. */
  releaseOnCancel?: boolean;
  /** What to run while leading, and notifications. */
  callbacks: LeaderCallbacks;
  /** For logs. */
  name?: string;
  /** Time source of every duration (a FakeClock in tests). */
  clock?: Clock;
  /** Where acquisitions, losses and failures are logged (default: stderr). */
  logger?: Logger;
}

/** The reason of the leading signal's abort. */
export class LeadershipLostError extends Error {
  override readonly name = "LeadershipLostError";
}

/** Bad LeaderElectionConfig durations. */
export class LeaderElectionConfigError extends Error {
  override readonly name = "LeaderElectionConfigError";
}

type Attempt = "acquired" | "held" | "failed" | "lost";

/** client-go's JitterFactor: renewDeadline must exceed retryPeriod × 1.2. */
const jitterFactor = 1.2;

/** Campaigns for a lease and leads while it holds it (client-go's LeaderElector). */
export class LeaderElector {
  readonly #lock: ResourceLock;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #callbacks: LeaderCallbacks;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #name: string;
  #observed: LeaderElectionRecord | undefined;
  #observedRaw = "";
  #observedAt = 0;
  #reportedLeader = "";
  #leading: AbortController | undefined;
  #lastRenewAt = 0;
  #watchdog: ClockTimer | undefined;
  #running = false;

  constructor(config: LeaderElectionConfig) {
    this.#leaseMs = config.leaseDurationMs ?? 15_000;
    this.#renewMs = config.renewDeadlineMs ?? 10_000;
    this.#retryMs = config.retryPeriodMs ?? 2_000;
    if (!(this.#retryMs > 0) || !(this.#renewMs > 0) || !(this.#leaseMs > 0))
      throw new LeaderElectionConfigError("leaseDurationMs, renewDeadlineMs and retryPeriodMs must be > 0");
    if (this.#leaseMs <= this.#renewMs)
      throw new LeaderElectionConfigError(
        `leaseDurationMs (${this.#leaseMs}) must be greater than renewDeadlineMs (${this.#renewMs})`,
      );
    if (this.#renewMs <= jitterFactor * this.#retryMs)
      throw new LeaderElectionConfigError(
        `renewDeadlineMs (${this.#renewMs}) must be greater than ${jitterFactor} × retryPeriodMs (${this.#retryMs})`,
      );
    if (!config.lock.identity) throw new LeaderElectionConfigError("the lock's identity must not be empty");
    this.#lock = config.lock;
    this.#releaseOnCancel = config.releaseOnCancel ?? false;
    this.#callbacks = config.callbacks;
    this.#clock = config.clock ?? realClock;
    this.#log = config.logger ?? stderrLogger;
    this.#name = config.name ?? config.lock.describe();
  }

  /** The holder of the lease as last observed ("" if none). */
  getLeader(): string {
    return this.#observed?.holderIdentity ?? "";
  }

  /**
   * Whether this candidate leads right now. Checked against the clock on each call: once renewDeadline
   * has passed since the last successful renew it answers false and aborts the leading signal, even if
   * the timers that would notice have not run yet (a process resumed after SIGSTOP). Call it right
   * before a write that only the leader may make.
   */
  isLeader(): boolean {
    if (!this.#leading || this.#leading.signal.aborted) return false;
    if (this.#clock.now() >= this.#lastRenewAt + this.#renewMs) {
      this.#stepDown(`renew deadline of ${this.#renewMs} ms passed since the last renew`);
      return false;
    }
    return true;
  }

  /**
   * Campaigns until this candidate leads, leads until leadership is lost or `signal` aborts, then
   * returns (client-go's Run). Rejects if onStartedLeading rejects, after leading has ended.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`leader election ${this.#name}: run() is already running`);
    this.#running = true;
    try {
      if (!(await this.#acquire(signal))) return;
      await this.#lead(signal);
    } finally {
      this.#running = false;
    }
  }

  async #acquire(signal?: AbortSignal): Promise<boolean> {
    this.#log.info("attempting to acquire leader lease", {
      lease: this.#name,
      identity: this.#lock.identity,
    });
    for (;;) {
      if (signal?.aborted) return false;
      const r = await this.#tryAcquireOrRenew(signal);
      if (r === "acquired") {
        this.#log.info("successfully acquired lease", { lease: this.#name, identity: this.#lock.identity });
        return true;
      }
      let wait = this.#retryMs * (1 + Math.random() * 0.2);
      if (r === "held" && this.#observed) {
        // Try again right when the observed record expires, if that comes sooner.
        const expires = this.#observedAt + this.#observed.leaseDurationSeconds * 1000 - this.#clock.now();
        wait = Math.min(wait, Math.max(1, expires + 1));
      }
      try {
        await this.#clock.sleep(wait, signal);
      } catch {
        return false;
      }
    }
  }

  async #lead(signal?: AbortSignal): Promise<void> {
    const leading = new AbortController();
    this.#leading = leading;
    this.#armWatchdog();
    let workError: unknown;
    let workFailed = false;
    const stopWork = new AbortController();
    const work = (async () => this.#callbacks.onStartedLeading(leading.signal))().catch((e: unknown) => {
      if (leading.signal.aborted) return; // work ending because leadership ended is not a failure
      workFailed = true;
      workError = e;
      this.#log.error("onStartedLeading failed; giving up leadership", { lease: this.#name, err: e });
      stopWork.abort();
    });
    const outer = signal ? AbortSignal.any([signal, stopWork.signal]) : stopWork.signal;
    const cancelled = await this.#renewLoop(outer, leading.signal);
    this.#stepDown(cancelled ? "run() was cancelled" : "failed to renew the lease");
    if (cancelled && this.#releaseOnCancel) {
      const left = this.#lastRenewAt + this.#renewMs - this.#clock.now();
      let timer: ClockTimer | undefined;
      await Promise.race([
        work,
        new Promise<void>((r) => (timer = this.#clock.setTimeout(r, Math.max(0, left)))),
      ]);
      if (timer) this.#clock.clearTimeout(timer);
      await this.#release();
    }
    this.#leading = undefined;
    try {
      this.#callbacks.onStoppedLeading?.();
    } catch (e) {
      this.#log.error("onStoppedLeading failed", { lease: this.#name, err: e });
    }
    if (workFailed) throw workError;
  }

  /** Renews every retryPeriod until a renew fails for renewDeadline. Returns true if cancelled. */
  async #renewLoop(signal: AbortSignal, leading: AbortSignal): Promise<boolean> {
    for (;;) {
      try {
        await this.#clock.sleep(this.#retryMs, AbortSignal.any([signal, leading]));
      } catch {
        return signal.aborted;
      }
      for (;;) {
        const r = await this.#tryAcquireOrRenew(signal);
        if (signal.aborted) return true;
        if (r === "acquired") break;
        if (r === "held" || r === "lost" || leading.aborted) return false;
        const left = this.#lastRenewAt + this.#renewMs - this.#clock.now();
        if (left <= 0) return false;
        try {
          await this.#clock.sleep(Math.min(this.#retryMs, left), AbortSignal.any([signal, leading]));
        } catch {
          return signal.aborted;
        }
      }
    }
  }

  #armWatchdog(): void {
    if (this.#watchdog) this.#clock.clearTimeout(this.#watchdog);
    const deadline = this.#lastRenewAt + this.#renewMs;
    this.#watchdog = this.#clock.setTimeout(
      () => {
        this.#watchdog = undefined;
        this.isLeader();
      },
      Math.max(0, deadline - this.#clock.now()),
    );
  }

  #stepDown(reason: string): void {
    if (this.#watchdog) this.#clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const leading = this.#leading;
    if (!leading || leading.signal.aborted) return;
    this.#log.info("stopped leading", { lease: this.#name, identity: this.#lock.identity, reason });
    leading.abort(new LeadershipLostError(`leader election ${this.#name}: ${reason}`));
  }

  /** Records what the lease holds; a change of holder is reported, except this candidate's own release. */
  #setObserved(record: LeaderElectionRecord, at: number, report = true): void {
    this.#observed = record;
    this.#observedRaw = JSON.stringify(record);
    this.#observedAt = at;
    const holder = record.holderIdentity;
    if (report && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      if (holder && holder !== this.#lock.identity)
        this.#log.info("new leader elected", { lease: this.#name, leader: holder });
      const cb = this.#callbacks.onNewLeader;
      if (cb)
        queueMicrotask(() => {
          try {
            cb(holder);
          } catch (e) {
            this.#log.error("onNewLeader failed", { lease: this.#name, err: e });
          }
        });
    }
  }

  /** True while this candidate leads and the renew deadline has not passed (no write otherwise). */
  #mayWriteAsLeader(): boolean {
    return this.#leading !== undefined && this.isLeader();
  }

  #renewed(record: LeaderElectionRecord, at: number): "acquired" {
    this.#setObserved(record, at);
    this.#lastRenewAt = at;
    if (this.#leading) this.#armWatchdog();
    return "acquired";
  }

  async #tryAcquireOrRenew(signal?: AbortSignal): Promise<Attempt> {
    const wasLeading = this.#leading !== undefined;
    if (wasLeading && !this.#mayWriteAsLeader()) return "lost";
    const now = this.#clock.now();
    const wall = microTime(new Date());
    const record: LeaderElectionRecord = {
      holderIdentity: this.#lock.identity,
      // whole seconds, cut as client-go cuts them (int(LeaseDuration / time.Second)); at least 1
      leaseDurationSeconds: Math.max(1, Math.floor(this.#leaseMs / 1000)),
      acquireTime: wall,
      renewTime: wall,
      leaderTransitions: 0,
    };
    const timeoutMs = wasLeading ? Math.max(1, this.#lastRenewAt + this.#renewMs - now) : this.#renewMs;
    const opts = { timeoutMs, ...(signal ? { signal } : {}) };

    // Fast path: the leader updates the record it wrote last, assuming nobody changed it since.
    const observed = this.#observed;
    if (
      wasLeading &&
      observed?.holderIdentity === this.#lock.identity &&
      now < this.#observedAt + observed.leaseDurationSeconds * 1000
    ) {
      record.acquireTime = observed.acquireTime;
      record.leaderTransitions = observed.leaderTransitions;
      try {
        await this.#lock.update(record, opts);
        return this.#renewed(record, now);
      } catch (e) {
        if (signal?.aborted) return "failed";
        this.#log.error("failed to update lease optimistically, falling back to a read", {
          lease: this.#name,
          err: e,
        });
      }
    }

    let old: LeaderElectionRecord;
    try {
      old = await this.#lock.get(opts);
    } catch (e) {
      if (!isNotFound(e)) {
        if (!signal?.aborted) this.#log.error("error retrieving lease", { lease: this.#name, err: e });
        return "failed";
      }
      if (wasLeading && !this.#mayWriteAsLeader()) return "lost";
      try {
        await this.#lock.create(record, opts);
        return this.#renewed(record, now);
      } catch (e2) {
        if (!signal?.aborted)
          this.#log.error("error initially creating lease", { lease: this.#name, err: e2 });
        return "failed";
      }
    }
    const seenAt = this.#clock.now();
    if (JSON.stringify(old) !== this.#observedRaw) this.#setObserved(old, seenAt);
    if (
      old.holderIdentity !== "" &&
      old.holderIdentity !== this.#lock.identity &&
      this.#observedAt + old.leaseDurationSeconds * 1000 > seenAt
    ) {
      return "held";
    }
    if (wasLeading && !this.#mayWriteAsLeader()) return "lost";
    if (old.holderIdentity === this.#lock.identity) {
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    try {
      await this.#lock.update(record, opts);
      return this.#renewed(record, now);
    } catch (e) {
      if (!signal?.aborted) this.#log.error("failed to update lease", { lease: this.#name, err: e });
      return "failed";
    }
  }

  /**
   * Writes an empty holder if this candidate still holds the lease. As client-go's tryRelease, it reads
   * the Lease first and writes over that version (retrying on conflict until the renew deadline): the
   * version of our last renew may be stale, since another writer may have touched the Lease (a label)
   * or the server applied a renew whose answer the cancel cut off.
   */
  async #release(): Promise<void> {
    if (this.#observed?.holderIdentity !== this.#lock.identity) return;
    const deadline = this.#clock.now() + this.#renewMs;
    for (;;) {
      const opts = { timeoutMs: Math.max(1, deadline - this.#clock.now()) };
      try {
        const current = await this.#lock.get(opts);
        if (current.holderIdentity !== this.#lock.identity) return; // another holder: nothing to release
        const wall = microTime(new Date());
        const record: LeaderElectionRecord = {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: wall,
          renewTime: wall,
          leaderTransitions: current.leaderTransitions,
        };
        await this.#lock.update(record, opts);
        this.#setObserved(record, this.#clock.now(), false);
        this.#log.info("released lease", { lease: this.#name, identity: this.#lock.identity });
        return;
      } catch (e) {
        if (isConflict(e) && this.#clock.now() < deadline) continue;
        this.#log.error("failed to release lease", { lease: this.#name, err: e });
        return;
      }
    }
  }
}

/** Creates a LeaderElector and runs it (client-go's RunOrDie). Throws on a bad configuration. */
export function runOrDie(signal: AbortSignal | undefined, config: LeaderElectionConfig): Promise<void> {
  return new LeaderElector(config).run(signal);
}
