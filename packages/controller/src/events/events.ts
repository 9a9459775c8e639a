// client-go's tools/events (events.k8s.io/v1): an EventRecorder that hands events to a broadcaster,
// which writes them to the API server in the background. eventf() never waits and never throws: the
// event is queued (at most maxQueuedEvents; more are dropped and logged) and written with retries.
//   - Series: an event that repeats (same regarding and related objects at the same resourceVersion,
//     reason, action, type, controller) within seriesTtlMs becomes one Event whose series.count grows.
//     client-go writes a series update every 30 minutes; here a pending count is written seriesFlushMs
//     after the first unwritten repeat (and on shutdown), so the count on the server stays within
//     seriesFlushMs of the truth.
//   - Spam filter: per regarding object, a token bucket (burst 25, one token per 5 minutes, as in
//     client-go's tools/record) limits how many distinct Events are created; repeats of an existing
//     series are not limited, since they only update its count.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ObjectReference } from "@org/api-types/core/v1";
import type { Event } from "@org/api-types/events/v1";
import { type EventsV1Interface, isDNS1123Subdomain } from "@org/clientset";
import { isNotFound, PatchType, StatusError } from "@org/rest";
import { type Clock, type ClockTimer, realClock } from "../clock.js";
import { microTime } from "../leaderelection/leaselock.js";
import { type Logger, stderrLogger } from "../logger.js";
import { truncateUtf8 } from "../utf8.js";
import { sprintf } from "./sprintf.js";

/** Event type for what is expected (the API server accepts "Normal" and "Warning"). */
export const EventTypeNormal = "Normal";
/** Event type for what needs attention. */
export const EventTypeWarning = "Warning";

/** An object events are about: any Kubernetes object with apiVersion, kind and metadata, or a reference. */
export type EventObject =
  | {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
    }
  | ObjectReference;

/** Records events about objects (client-go's events.EventRecorder). */
export interface EventRecorder {
  /**
   * Records an event: `type` is "Normal" or "Warning", `reason` and `action` are short CamelCase
   * words, `note` a message formatted with `args` as Go's fmt.Sprintf formats it in client-go's Eventf
   * (`%v` of an Error is its message, `%q` double-quotes, `%%` is a percent sign even without args).
   * Notes longer than 1024 bytes of UTF-8 are cut to fit. Returns at once.
   */
  eventf(
    regarding: EventObject,
    related: EventObject | undefined,
    type: string,
    reason: string,
    action: string,
    note: string,
    ...args: unknown[]
  ): void;
}

/** Options of the event broadcaster. */
export interface EventBroadcasterOptions {
  /** Where events are written: `clientset.eventsV1()`. */
  sink: EventsV1Interface;
  /** Events waiting to be written beyond this are dropped (client-go: 1000). */
  maxQueuedEvents?: number;
  /** Delay before a pending series count is written (5 s). */
  seriesFlushMs?: number;
  /** A series ends when it has not repeated for this long; the next occurrence is a new Event (6 min). */
  seriesTtlMs?: number;
  /** Attempts per write (client-go: 12). */
  maxAttempts?: number;
  /** Wait between attempts, ±25 % jitter (client-go: 10 s). */
  retryDelayMs?: number;
  /** Per-object limit of distinct Events; false turns it off (burst 25, 1 per 300 s). */
  spamFilter?: { burst: number; qps: number } | false;
  /** Time source for series, retries and the spam filter. */
  clock?: Clock;
  /** Where write failures and drops are logged (default: stderr). */
  logger?: Logger;
}

interface SeriesEntry {
  key: string;
  event: Event;
  /** Occurrences so far. */
  count: number;
  /** Occurrences the server has (1 once created). */
  written: number;
  created: boolean;
  lastObserved: number;
  lastObservedTime: string;
  flush: ClockTimer | undefined;
}

type Write = { kind: "create" | "series"; entry: SeriesEntry };

/** A reference to the object (client-go's reference.GetReference without a scheme: kind is required). */
export function getReference(obj: EventObject): ObjectReference {
  const o = obj as ObjectReference & {
    metadata?: Exclude<Extract<EventObject, { metadata?: unknown }>["metadata"], undefined>;
  };
  if (o.metadata === undefined) {
    if (!o.kind || !o.name) throw new TypeError("event object reference needs kind and name");
    return o;
  }
  const m = o.metadata;
  if (!o.kind || !o.apiVersion || !m.name) {
    throw new TypeError(
      `event about ${m.namespace ? `${m.namespace}/` : ""}${m.name ?? "(no name)"}: the object has no apiVersion/kind (list items and informer objects often do not); pass an ObjectReference with kind and apiVersion`,
    );
  }
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: m.name,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

const refKey = (r: ObjectReference | undefined): string =>
  r ? `${r.apiVersion}|${r.kind}|${r.namespace ?? ""}|${r.name}|${r.uid ?? ""}|${r.fieldPath ?? ""}` : "";

/** Objects whose spam-filter buckets are kept (client-go's tools/record: an LRU of 4096). */
const maxSpamRecords = 4096;

/** The longest note the API server accepts: 1024 bytes of UTF-8 (Go's len), not 1024 characters. */
const maxNoteBytes = 1024;

/**
 * `<regarding name>.<time in hex>`, or a random UUID when that is no valid Event name (client-go's
 * GenerateEventName): RBAC names may hold colons ("system:…"), and a long name leaves no room for the suffix.
 */
function eventName(regardingName: string, time: Date): string {
  const unique = BigInt(time.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6));
  const name = `${regardingName}.${unique.toString(16)}`;
  // what the API server requires of an Event's name
  return isDNS1123Subdomain(name).length === 0 ? name : randomUUID();
}

/**
 * Writes events in the background (client-go's events.EventBroadcaster). Make one per process,
 * call startRecordingToSink(), get recorders with newRecorder(), and shutDown() at exit to flush.
 */
export class EventBroadcaster {
  readonly #sink: EventsV1Interface;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #flushMs: number;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #retryMs: number;
  readonly #spam: { burst: number; qps: number } | false;
  readonly #series = new Map<string, SeriesEntry>();
  readonly #buckets = new Map<string, { tokens: number; last: number }>();
  readonly #writes: Write[] = [];
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #started = false;
  #stopping = false;
  #stopped = new AbortController();
  #loop: Promise<void> | undefined;
  #dropped = 0;
  #written = 0;
  #sweep: ClockTimer | undefined;

  constructor(opts: EventBroadcasterOptions) {
    this.#sink = opts.sink;
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.logger ?? stderrLogger;
    this.#maxQueued = opts.maxQueuedEvents ?? 1000;
    this.#flushMs = opts.seriesFlushMs ?? 5000;
    this.#ttlMs = opts.seriesTtlMs ?? 6 * 60_000;
    this.#maxAttempts = opts.maxAttempts ?? 12;
    this.#retryMs = opts.retryDelayMs ?? 10_000;
    this.#spam = opts.spamFilter === undefined ? { burst: 25, qps: 1 / 300 } : opts.spamFilter;
  }

  /** Starts writing queued events (client-go's StartRecordingToSink); `signal` stops it like shutDown(). */
  startRecordingToSink(signal?: AbortSignal): void {
    if (this.#started) return;
    this.#started = true;
    this.#loop = this.#run();
    this.#scheduleSweep();
    signal?.addEventListener("abort", () => void this.shutDown(), { once: true });
  }

  /** A recorder whose events name `reportingController` (and `reportingInstance`, default `<controller>-<hostname>`). */
  newRecorder(
    reportingController: string,
    reportingInstance = `${reportingController}-${hostname()}`,
  ): EventRecorder {
    if (!reportingController) throw new TypeError("newRecorder: reportingController must not be empty");
    return {
      eventf: (regarding, related, type, reason, action, note, ...args) => {
        try {
          this.#record(
            reportingController,
            reportingInstance,
            regarding,
            related,
            type,
            reason,
            action,
            note,
            args,
          );
        } catch (e) {
          this.#log.error("dropping event", { reason, err: e });
        }
      },
    };
  }

  /** Events dropped because the queue was full, the spam filter refused them, or all attempts failed. */
  get droppedEvents(): number {
    return this.#dropped;
  }

  /** Successful writes (creates and series updates). */
  get writtenEvents(): number {
    return this.#written;
  }

  /** Resolves when nothing is queued or being written (pending series counts not yet due are not written). */
  idle(): Promise<void> {
    if (this.#writes.length === 0 && !this.#busy) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #busy = false;

  /**
   * Writes pending series counts, waits up to `timeoutMs` for the queue to drain, then stops.
   * Events recorded afterwards are dropped.
   */
  async shutDown(timeoutMs = 10_000): Promise<void> {
    if (this.#stopping) return this.#loop;
    this.#stopping = true;
    if (this.#sweep) this.#clock.clearTimeout(this.#sweep);
    if (!this.#started) {
      // Never started: nothing will write what is queued.
      for (const e of this.#series.values()) if (e.flush) this.#clock.clearTimeout(e.flush);
      this.#dropped += this.#writes.length;
      this.#writes.length = 0;
      return;
    }
    for (const entry of this.#series.values()) {
      if (entry.flush) {
        this.#clock.clearTimeout(entry.flush);
        entry.flush = undefined;
        this.#writes.push({ kind: "series", entry });
      }
    }
    this.#wake?.();
    const timer = this.#clock.setTimeout(() => this.#stopped.abort(), timeoutMs, false);
    await this.idle();
    this.#clock.clearTimeout(timer);
    this.#stopped.abort();
    this.#wake?.();
    await this.#loop;
  }

  #scheduleSweep(): void {
    this.#sweep = this.#clock.setTimeout(
      () => {
        const now = this.#clock.now();
        for (const [k, e] of this.#series)
          if (!e.flush && now - e.lastObserved > this.#ttlMs) this.#series.delete(k);
        this.#scheduleSweep();
      },
      60_000,
      false,
    );
  }

  #allow(objectKey: string): boolean {
    if (!this.#spam) return true;
    const now = this.#clock.now();
    const b = this.#buckets.get(objectKey) ?? { tokens: this.#spam.burst, last: now };
    b.tokens = Math.min(this.#spam.burst, b.tokens + ((now - b.last) / 1000) * this.#spam.qps);
    b.last = now;
    // Most recently used last; past maxSpamRecords the least recently used goes (client-go's LRU).
    this.#buckets.delete(objectKey);
    this.#buckets.set(objectKey, b);
    if (this.#buckets.size > maxSpamRecords)
      this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #record(
    controller: string,
    instance: string,
    regardingObj: EventObject,
    relatedObj: EventObject | undefined,
    type: string,
    reason: string,
    action: string,
    note: string,
    args: unknown[],
  ): void {
    if (this.#stopping) {
      this.#dropped++;
      return;
    }
    if (type !== EventTypeNormal && type !== EventTypeWarning)
      throw new TypeError(`event type must be "Normal" or "Warning" (got ${JSON.stringify(type)})`);
    if (!reason || !action) throw new TypeError("event reason and action must not be empty");
    const regarding = getReference(regardingObj);
    let related: ObjectReference | undefined;
    if (relatedObj) {
      try {
        related = getReference(relatedObj);
      } catch (e) {
        // client-go records the event without a related object it cannot reference.
        this.#log.error("recording the event without its related object", { reason, err: e });
      }
    }
    // As client-go's getKey, the whole regarding reference, resourceVersion included: an event about a
    // newer version of the object starts a new Event rather than counting into the old one's series.
    const key = [
      controller,
      refKey(regarding),
      regarding.resourceVersion ?? "",
      refKey(related),
      related?.resourceVersion ?? "",
      type,
      reason,
      action,
    ].join("\u0000");
    const now = this.#clock.now();
    const existing = this.#series.get(key);
    if (existing && now - existing.lastObserved <= this.#ttlMs) {
      existing.count++;
      existing.lastObserved = now;
      existing.lastObservedTime = microTime(new Date());
      if (!existing.flush) {
        existing.flush = this.#clock.setTimeout(() => {
          existing.flush = undefined;
          this.#enqueue({ kind: "series", entry: existing });
        }, this.#flushMs);
      }
      return;
    }
    if (!this.#allow(`${controller}\u0000${refKey(regarding)}`)) {
      this.#dropped++;
      this.#log.error("event dropped by the per-object spam filter", { object: regarding.name, reason });
      return;
    }
    const time = new Date();
    // client-go's Eventf always runs fmt.Sprintf, args or not: "100%%" is "100%" here too.
    const text = sprintf(note, ...args);
    const event: Event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        name: eventName(regarding.name ?? "", time),
        namespace: regarding.namespace || "default",
      },
      eventTime: microTime(time),
      reportingController: controller,
      reportingInstance: instance,
      action,
      reason,
      regarding,
      ...(related ? { related } : {}),
      note: truncateUtf8(text, maxNoteBytes),
      type,
    };
    const entry: SeriesEntry = {
      key,
      event,
      count: 1,
      written: 0,
      created: false,
      lastObserved: now,
      lastObservedTime: event.eventTime,
      flush: undefined,
    };
    this.#series.set(key, entry);
    this.#enqueue({ kind: "create", entry });
  }

  #enqueue(w: Write): void {
    if (this.#writes.length >= this.#maxQueued) {
      this.#dropped++;
      if (this.#dropped === 1 || this.#dropped % 100 === 0)
        this.#log.error("event queue full, dropping events", { dropped: this.#dropped });
      return;
    }
    this.#writes.push(w);
    this.#wake?.();
  }

  async #run(): Promise<void> {
    for (;;) {
      const w = this.#writes.shift();
      if (!w) {
        for (const r of this.#idle.splice(0)) r();
        if (this.#stopped.signal.aborted) return;
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = undefined;
        continue;
      }
      if (this.#stopped.signal.aborted) {
        this.#dropped++;
        continue;
      }
      this.#busy = true;
      await this.#write(w);
      this.#busy = false;
    }
  }

  /** Whether a failed write is worth another attempt: transport failures, 429 and 5xx. */
  #retriable(e: unknown): boolean {
    if (!(e instanceof StatusError)) return true;
    return e.code === 429 || e.code >= 500;
  }

  async #write(w: Write): Promise<void> {
    const { entry } = w;
    if (w.kind === "series" && entry.count <= entry.written) return;
    const ns = entry.event.metadata?.namespace ?? "default";
    for (let attempt = 1; ; attempt++) {
      const signal = this.#stopped.signal;
      const count = entry.count;
      const series = count > 1 ? { count, lastObservedTime: entry.lastObservedTime } : undefined;
      try {
        if (entry.created) {
          await this.#sink
            .events(ns)
            .patch(entry.event.metadata?.name ?? "", PatchType.Merge, { series }, { signal });
        } else {
          await this.#sink.events(ns).create({ ...entry.event, ...(series ? { series } : {}) }, { signal });
          entry.created = true;
        }
        entry.written = count;
        this.#written++;
        return;
      } catch (e) {
        if (entry.created && isNotFound(e)) {
          entry.created = false; // the Event was deleted (or expired): write it anew
          continue;
        }
        if (signal.aborted || !this.#retriable(e) || attempt >= this.#maxAttempts) {
          this.#dropped++;
          this.#log.error("unable to write event (giving up)", {
            event: entry.event.metadata?.name,
            reason: entry.event.reason,
            attempts: attempt,
            err: e,
          });
          if (!entry.created) this.#series.delete(entry.key);
          return;
        }
        this.#log.error("unable to write event (will retry)", {
          event: entry.event.metadata?.name,
          attempt,
          err: e,
        });
        try {
          await this.#clock.sleep(this.#retryMs * (0.75 + Math.random() * 0.5), signal);
        } catch {
          // stopping: the next round gives up
        }
      }
    }
  }
}

/** A new broadcaster (client-go's events.NewBroadcaster). */
export function newBroadcaster(opts: EventBroadcasterOptions): EventBroadcaster {
  return new EventBroadcaster(opts);
}
