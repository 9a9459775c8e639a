// The part of @org/rest's RESTClient the runtime uses. Every client takes one of these, so one
// RESTClient (one transport, one rate limiter) serves a whole clientset, and tests can observe the
// RequestSpecs a client produces. Options objects go into a RequestSpec whole; rest's callOptionsOf
// is the one place that takes their signal and timeoutMs.
import type { RESTClient } from "@org/rest";

export type RestInterface = Pick<RESTClient, "request" | "requestText" | "requestStream" | "watch"> &
  /** WebSocket streams (exec, attach, portforward); a transport without them (the fake) leaves it out. */
  Partial<Pick<RESTClient, "connect">>;
