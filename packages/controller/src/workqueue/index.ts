// @org/controller/workqueue: client-go's util/workqueue.
export { type DelayingQueue, newTypedDelayingQueue } from "./delaying.js";
export type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  MetricsProvider,
  SettableGaugeMetric,
} from "./metrics.js";
export {
  type PromClientLike,
  type PrometheusMetricsOptions,
  prometheusMetricsProvider,
} from "./prometheus.js";
export { newTyped, type Queue, type QueueConfig, type QueueGetResult } from "./queue.js";
export {
  BucketRateLimiter,
  defaultTypedControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  type TypedRateLimiter,
} from "./ratelimiters.js";
export { newTypedRateLimitingQueue, type RateLimitingQueue } from "./ratelimiting.js";
