// Workqueue metrics hooks (client-go util/workqueue metrics.go): a MetricsProvider makes one metric of
// each kind per named queue; the queue reports to them. Without a provider nothing is measured.
import type { Clock } from "../clock.js";

/** A gauge that goes up and down (queue depth). */
export interface GaugeMetric {
  /** Adds one. */
  inc(): void;
  /** Subtracts one. */
  dec(): void;
}

/** A gauge set to a value (unfinished work, longest running processor), in seconds. */
export interface SettableGaugeMetric {
  /** Sets the value. */
  set(value: number): void;
}

/** A counter (adds, retries). */
export interface CounterMetric {
  /** Adds one. */
  inc(): void;
}

/** A histogram of durations in seconds (queue latency, work duration). */
export interface HistogramMetric {
  /** Records one duration. */
  observe(seconds: number): void;
}

/** Makes the metrics of one queue, given its name (client-go's MetricsProvider). */
export interface MetricsProvider {
  /** Items waiting in the queue. */
  newDepthMetric(name: string): GaugeMetric;
  /** Adds (deduplicated adds are not counted). */
  newAddsMetric(name: string): CounterMetric;
  /** Time from add to get, in seconds. */
  newLatencyMetric(name: string): HistogramMetric;
  /** Time from get to done, in seconds. */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** Seconds of work in progress, summed over the items being processed. */
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  /** Seconds the longest-running item has been processed. */
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  /** Delayed and rate-limited adds. */
  newRetriesMetric(name: string): CounterMetric;
}

/** How often unfinished-work and longest-running gauges are refreshed (client-go: 500 ms). */
export const unfinishedWorkUpdatePeriodMs = 500;

/** The per-queue bookkeeping behind the metrics: add and start times of items. */
export class QueueMetrics<T> {
  readonly #clock: Clock;
  readonly #depth: GaugeMetric;
  readonly #adds: CounterMetric;
  readonly #latency: HistogramMetric;
  readonly #workDuration: HistogramMetric;
  readonly #unfinished: SettableGaugeMetric;
  readonly #longest: SettableGaugeMetric;
  readonly #addTimes = new Map<T, number>();
  readonly #processingStart = new Map<T, number>();

  constructor(name: string, provider: MetricsProvider, clock: Clock) {
    this.#clock = clock;
    this.#depth = provider.newDepthMetric(name);
    this.#adds = provider.newAddsMetric(name);
    this.#latency = provider.newLatencyMetric(name);
    this.#workDuration = provider.newWorkDurationMetric(name);
    this.#unfinished = provider.newUnfinishedWorkSecondsMetric(name);
    this.#longest = provider.newLongestRunningProcessorSecondsMetric(name);
    this.#unfinished.set(0);
    this.#longest.set(0);
  }

  add(item: T): void {
    this.#adds.inc();
    this.#depth.inc();
    if (!this.#addTimes.has(item)) this.#addTimes.set(item, this.#clock.now());
  }

  get(item: T): void {
    this.#depth.dec();
    const now = this.#clock.now();
    this.#processingStart.set(item, now);
    const added = this.#addTimes.get(item);
    if (added !== undefined) {
      this.#latency.observe((now - added) / 1000);
      this.#addTimes.delete(item);
    }
  }

  done(item: T): void {
    const started = this.#processingStart.get(item);
    if (started !== undefined) {
      this.#workDuration.observe((this.#clock.now() - started) / 1000);
      this.#processingStart.delete(item);
    }
  }

  /** Sets the unfinished-work and longest-running gauges from the items being processed now. */
  updateUnfinishedWork(): void {
    const now = this.#clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.#processingStart.values()) {
      const d = now - started;
      total += d;
      if (d > longest) longest = d;
    }
    this.#unfinished.set(total / 1000);
    this.#longest.set(longest / 1000);
  }
}
