// @org/controller: client-go's controller toolkit: workqueue, leader election, events, Controller runner.
export { type Clock, type ClockTimer, FakeClock, realClock } from "./clock.js";
export * from "./workqueue/index.js";
