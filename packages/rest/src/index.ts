export { defaultBurst, defaultMaxRetries, defaultQPS, parseRetryAfter, RESTClient } from "./client.js";
export type { AuthProviderConfig, ExecConfig, ImpersonationConfig, RestConfig, TLSConfig } from "./config.js";
export * from "./errors.js";
export { clearExecCache, ExecPluginError, execRuns } from "./exec.js";
export * from "./options.js";
export { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
export {
  buildRequest,
  defaultAccept,
  defaultUserAgent,
  encodeQuery,
  type QueryValue,
  queryEscape,
  type RequestDescription,
  type RequestSpec,
  requestPath,
} from "./request.js";
export { noProxyMatches, proxyFor } from "./transport.js";
export { defaultWarningHandler, parseWarnings } from "./warnings.js";
export { decodeWatchEvents } from "./watch.js";
