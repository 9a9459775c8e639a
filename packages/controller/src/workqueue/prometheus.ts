// A MetricsProvider on prom-client, with the metric names and labels Kubernetes components and
// controller-runtime export (workqueue_depth{name="..."} ...). prom-client is passed in, not imported,
// so @org/controller does not depend on it: `prometheusMetricsProvider(promClient)`.
import type { MetricsProvider } from "./metrics.js";

interface LabelledConfig<R> {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers?: R[];
}

/** The parts of the prom-client module the adapter uses (`import * as promClient from "prom-client"`). */
export interface PromClientLike<R> {
  /** prom-client's Gauge class. */
  Gauge: new (
    config: LabelledConfig<R>,
  ) => { labels(...values: string[]): { inc(): void; dec(): void; set(value: number): void } };
  /** prom-client's Counter class. */
  Counter: new (
    config: LabelledConfig<R>,
  ) => { labels(...values: string[]): { inc(): void } };
  /** prom-client's Histogram class. */
  Histogram: new (
    config: LabelledConfig<R> & { buckets: number[] },
  ) => { labels(...values: string[]): { observe(value: number): void } };
}

/** Options of prometheusMetricsProvider. */
export interface PrometheusMetricsOptions<R> {
  /** Registries to register the metrics in (prom-client's `registers`; default: its global registry). */
  registers?: R[];
  /** Subsystem prefix of the names (default "workqueue"). */
  prefix?: string;
}

/** Histogram buckets of client-go's workqueue metrics: 10 ns to 1000 s, ×10 each. */
const durationBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/**
 * A MetricsProvider that records into prom-client metrics labelled by queue name:
 * `<prefix>_depth`, `_adds_total`, `_queue_duration_seconds`, `_work_duration_seconds`,
 * `_unfinished_work_seconds`, `_longest_running_processor_seconds`, `_retries_total`.
 * Make one provider per registry: the metrics are registered when it is created.
 */
export function prometheusMetricsProvider<R>(
  client: PromClientLike<R>,
  opts: PrometheusMetricsOptions<R> = {},
): MetricsProvider {
  const p = opts.prefix ?? "workqueue";
  const base = (name: string, help: string): LabelledConfig<R> => ({
    name: `${p}_${name}`,
    help,
    labelNames: ["name"],
    ...(opts.registers ? { registers: opts.registers } : {}),
  });
  const depth = new client.Gauge(base("depth", "Current depth of the workqueue"));
  const adds = new client.Counter(base("adds_total", "Total number of adds handled by the workqueue"));
  const latency = new client.Histogram({
    ...base(
      "queue_duration_seconds",
      "How long in seconds an item stays in the workqueue before being requested",
    ),
    buckets: durationBuckets,
  });
  const work = new client.Histogram({
    ...base("work_duration_seconds", "How long in seconds processing an item from the workqueue takes"),
    buckets: durationBuckets,
  });
  const unfinished = new client.Gauge(
    base(
      "unfinished_work_seconds",
      "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
    ),
  );
  const longest = new client.Gauge(
    base(
      "longest_running_processor_seconds",
      "How many seconds the longest running processor has been running",
    ),
  );
  const retries = new client.Counter(
    base("retries_total", "Total number of retries handled by the workqueue"),
  );
  return {
    newDepthMetric: (name) => depth.labels(name),
    newAddsMetric: (name) => adds.labels(name),
    newLatencyMetric: (name) => latency.labels(name),
    newWorkDurationMetric: (name) => work.labels(name),
    newUnfinishedWorkSecondsMetric: (name) => unfinished.labels(name),
    newLongestRunningProcessorSecondsMetric: (name) => longest.labels(name),
    newRetriesMetric: (name) => retries.labels(name),
  };
}
