/// <reference types="node" preserve="true" />
/**
 * The typed clientset and its handwritten runtime, DynamicClient, DiscoveryClient, RESTMapper and the
 * helpers client-go users expect.
 *
 * @module @org/clientset
 */
export { Clientset } from "./clientset.js";
export * from "./discovery/index.js";
export * from "./dynamic/index.js";
export type { PodExpansion, PodLogOptions } from "./expansions/core/v1/pod.js";
// The generated interfaces (CoreV1Interface, PodInterface ...) and descriptors table.
export type * from "./generated/index.js";
export { groupVersions } from "./generated/index.js";
export {
  everything,
  type Operator,
  parseSelector,
  type Requirement,
  type Selector,
  SelectorError,
  selectorFromSet,
} from "./labels.js";
export * from "./metadata/index.js";
export * from "./restmapper/index.js";
export { type Backoff, DefaultBackoff, DefaultRetry, onError, retryOnConflict } from "./retry.js";
export type * from "./runtime/descriptor.js";
export { newClientset, newGroupClient, newResourceClient } from "./runtime/factory.js";
export type * from "./runtime/methods.js";
export { DEFAULT_PAGE_SIZE, ResourceClient, type ResourceTarget } from "./runtime/resource-client.js";
export type { RestInterface } from "./runtime/rest.js";
export { CopyError, type CopyOptions } from "./streaming/cp.js";
export {
  type ForwardedPort,
  type ListenOptions,
  PORT_FORWARD_PROTOCOLS,
  PortForwardError,
  type PortForwarder,
  type PortForwardOptions,
  type PortForwardStreams,
  type PortSpec,
} from "./streaming/portforward.js";
export { joinSchemeNamePort, type ResponseWrapper } from "./streaming/proxy.js";
export {
  type AttachOptions,
  type ExecOptions,
  type ExitStatus,
  REMOTE_COMMAND_PROTOCOLS,
  RemoteCommandError,
  type RemoteCommandSession,
  type RunResult,
} from "./streaming/remotecommand.js";
export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from "./validation.js";
export { type WaitOptions, WaitTimeoutError, WatchClosedError, type WatchFactory, waitFor } from "./wait.js";
