/// <reference types="node" preserve="true" />
/**
 * A real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) built from Go
 * modules, for tests.
 *
 * @module @org/testenv
 */
export {
  BuildError,
  binDirFor,
  cacheRoot,
  DEFAULT_K8S_VERSION,
  ensureBinaries,
  resolveVersion,
} from "./binaries.js";
export {
  adminCredentials,
  attachControlPlane,
  ComponentError,
  type ControlPlane,
  type ControlPlaneState,
  DEFAULT_CONTROLLERS,
  type NodeAgentInfo,
  type ProcessInfo,
  readState,
  type StartOptions,
  startControlPlane,
  stateAlive,
  type TestUser,
} from "./controlplane.js";
export {
  addRejectingPriorityLevel,
  apiServerRequestCount,
  compactEtcd,
  etcdRevision,
  pauseAPIServer,
  type RequestCountFilter,
  type RestartResult,
  restartAPIServer,
  resumeAPIServer,
  startTcpProxy,
  TcpProxy,
  waitForAPIServerReady,
} from "./faults.js";
export { type Credentials, KubeRequestError, type KubeResponse, kubeCall, kubeFetch } from "./http.js";
export { kubeconfigYaml } from "./kubeconfig.js";
export {
  makePodRunning,
  type NodeAgentProcess,
  type NodeOptions,
  nodeAgentProcesses,
  registerNode,
} from "./nodes.js";
export { type ClientSpec, generatePki, type KeyPairPem, type Pki } from "./pki.js";
