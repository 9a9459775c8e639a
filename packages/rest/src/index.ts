/// <reference types="node" preserve="true" />
/**
 * Kubernetes REST layer: kubeconfig and in-cluster config, auth, TLS, request builder, typed errors,
 * watch, rate limiting and retries.
 *
 * @module @org/rest
 */
export { defaultBurst, defaultQPS, defaultTimeoutMs, RESTClient } from "./client.js";
export type { AuthProviderConfig, ExecConfig, ImpersonationConfig, RestConfig, TLSConfig } from "./config.js";
export * from "./errors.js";
export { clearExecCache, ExecPluginError, execRuns } from "./exec.js";
export {
  defaultServiceAccountDir,
  type InClusterOptions,
  inClusterConfig,
  NotInClusterError,
} from "./incluster.js";
export {
  buildConfigFromFlags,
  configFromKubeconfigText,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  KubeconfigError,
  type KubeconfigOverrides,
  type KubeconfigUser,
  kubeconfigPaths,
  type LoadedKubeconfig,
  type LoadKubeconfigOptions,
  loadKubeconfig,
  parseKubeconfig,
} from "./kubeconfig.js";
export * from "./options.js";
export { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
export {
  buildRequest,
  callOptionsOf,
  defaultAccept,
  defaultUserAgent,
  type QueryValue,
  type RequestDescription,
  type RequestSpec,
} from "./request.js";
export { defaultMaxRetries, maxConnectionRetries, parseRetryAfter } from "./retry.js";
export { defaultWarningHandler, parseWarnings } from "./warnings.js";
export { decodeWatchEvents, watchIdleTimeoutMs } from "./watch.js";
export { type WebSocketClose, WebSocketConnection, type WebSocketHandlers } from "./websocket.js";
export { parseYAMLDocuments, YAMLError } from "./yaml.js";
