// The part of @org/rest's RESTClient the runtime uses. Every client takes one of these, so one
// RESTClient (one transport, one rate limiter) serves a whole clientset, and tests can observe the
// RequestSpecs a client produces.
import type { CallOptions, RESTClient } from "@org/rest";

export type RestInterface = Pick<RESTClient, "request" | "requestText" | "requestStream" | "watch">;

/** Only the per-call options (signal, timeout) of an options object. */
export function callOptions(opts: CallOptions | undefined): CallOptions {
  const call: CallOptions = {};
  if (opts?.signal !== undefined) call.signal = opts.signal;
  if (opts?.timeoutMs !== undefined) call.timeoutMs = opts.timeoutMs;
  return call;
}

/** Splits the per-call options (signal, timeout) off the ones that become query parameters. */
export function splitCallOptions<O extends CallOptions>(
  opts: O | undefined,
): { call: CallOptions; query: Omit<O, keyof CallOptions> | undefined } {
  if (opts === undefined) return { call: {}, query: undefined };
  const { signal: _signal, timeoutMs: _timeoutMs, ...query } = opts;
  return { call: callOptions(opts), query: query as Omit<O, keyof CallOptions> };
}
