/// <reference types="node" preserve="true" />
/**
 * The counterpart of client-go's controller toolkit: workqueue, leader election, events, Controller runner.
 *
 * @module @org/controller
 */
export { type Clock, type ClockTimer, FakeClock, realClock } from "./clock.js";
export {
  Controller,
  type ControllerLeaderElection,
  type ControllerOptions,
  type EventSource,
  type ReconcileResult,
  type Reconciler,
  type WatchOptions,
} from "./controller.js";
export * from "./events/index.js";
export * from "./leaderelection/index.js";
export { discardLogger, type Logger, stderrLogger, textLogger } from "./logger.js";
export * from "./workqueue/index.js";
