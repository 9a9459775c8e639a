// The method sets behind every generated interface. A generated interface picks exactly the verbs
// its resource supports, e.g.
//   export interface PodInterface
//     extends Pick<ResourceMethods<Pod, PodList, PodApplyConfiguration>, "create" | "get" | ...>,
//       Pick<SubresourceMethods<Eviction, Eviction>, "evict">, PodExpansion {}
// and the runtime builds the object from the resource's descriptor.
import type {
  ApplyOptions,
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  UpdateOptions,
  Watch,
} from "@org/rest";
import type { PortForwardOptions, PortForwardStreams } from "../streaming/portforward.js";
import type { ResponseWrapper } from "../streaming/proxy.js";
import type { AttachOptions, ExecOptions, RemoteCommandSession } from "../streaming/remotecommand.js";
import type { ResourceClient } from "./resource-client.js";

/**
 * Every verb of a resource client (client-go's gentype.ClientWithListAndApply). `T` is the kind,
 * `TList` its list kind and `TApply` its apply configuration. Errors are StatusErrors (`isNotFound`,
 * `isConflict` ...) or TransportErrors from @org/rest.
 */
export interface ResourceMethods<T, TList, TApply> {
  /** Creates the object (POST) and returns it as stored, with uid, resourceVersion and defaults. */
  create(obj: T, opts?: CreateOptions): Promise<T>;
  /**
   * Replaces the object (PUT to `metadata.name`), except its status; fails with a 409 conflict when
   * `metadata.resourceVersion` is not the stored one (see retryOnConflict).
   */
  update(obj: T, opts?: UpdateOptions): Promise<T>;
  /** Replaces only the status (PUT to the /status subresource); the rest of `obj` is ignored. */
  updateStatus(obj: T, opts?: UpdateOptions): Promise<T>;
  /** Deletes the object by name; `opts` go as a DeleteOptions body (grace period, propagation, preconditions). */
  delete(name: string, opts?: DeleteOptions): Promise<void>;
  /** Deletes every object `listOpts` selects (in the client's namespace), in one request. */
  deleteCollection(opts?: DeleteOptions, listOpts?: ListOptions): Promise<void>;
  /** Reads one object by name. */
  get(name: string, opts?: GetOptions): Promise<T>;
  /** Reads one page of objects (all of them without `limit`); `metadata.continue` is the next page's token. */
  list(opts?: ListOptions): Promise<TList>;
  /** Pager over list: yields every item, following `continue` with `limit` per page (default 500). */
  listAll(opts?: ListOptions): AsyncIterable<T>;
  /** Pager over list, a page at a time: each yielded list holds up to `limit` items (default 500). */
  listPages(opts?: ListOptions): AsyncIterable<TList>;
  /**
   * Streams changes (ADDED, MODIFIED, DELETED, BOOKMARK) from `resourceVersion` on; iterate with
   * `for await`, end with `stop()` or the signal. An ERROR event (e.g. 410 Gone) is thrown.
   */
  watch(opts?: ListOptions): Watch<T>;
  /**
   * Patches the object with `data` of the given PatchType (JSON, Merge, StrategicMerge, Apply);
   * `subresource` patches e.g. "status" or "scale".
   */
  patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T>;
  /**
   * Server-side apply: the server merges `config` (any subset of fields, with apiVersion, kind and
   * metadata.name) into the object, creating it if needed, and records `fieldManager` as their owner.
   */
  apply(config: TApply, opts: ApplyOptions): Promise<T>;
  /** Server-side apply of the status (the /status subresource). */
  applyStatus(config: TApply, opts: ApplyOptions): Promise<T>;
}

/** Verbs that come with the "list" verb (the pager) and "watch". */
export type ListVerbs = "list" | "listAll" | "listPages";

/**
 * Named subresource methods, as client-go names them: one line per row of codegen's subresource
 * method table. `TBody` is the subresource's request kind, `TResult` its response kind and `TApply`
 * its apply configuration (all from the spec).
 */
export interface SubresourceMethods<TBody, TResult, TApply = never> {
  /**
   * Reads the `/scale` subresource (deployments, statefulsets, replicasets, replicationcontrollers,
   * CRDs with scale): desired and current replicas and the label selector.
   */
  getScale(name: string, opts?: GetOptions): Promise<TResult>;
  /** Sets the desired replicas through `/scale` (PUT), leaving the rest of the object alone. */
  updateScale(name: string, scale: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** Server-side apply of `/scale` (e.g. only `spec.replicas`). */
  applyScale(name: string, scale: TApply, opts: ApplyOptions): Promise<TResult>;
  /** pods/binding: assigns a pending pod to a node, as a scheduler does. */
  bind(binding: TBody, opts?: CreateOptions): Promise<void>;
  /** pods/eviction: evicts the pod, honouring PodDisruptionBudgets (429 while a budget forbids it). */
  evict(eviction: TBody, opts?: CreateOptions): Promise<void>;
  /** serviceaccounts/token: createToken(serviceAccountName, tokenRequest) returns a bound token. */
  createToken(name: string, request: TBody, opts?: CreateOptions): Promise<TResult>;
  /** pods/ephemeralcontainers: replaces the pod's ephemeral containers (how `kubectl debug` adds one). */
  updateEphemeralContainers(name: string, pod: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** pods/resize: changes container resources of a running pod in place. */
  updateResize(name: string, pod: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** certificatesigningrequests/approval: sets the Approved or Denied condition. */
  updateApproval(name: string, csr: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** namespaces/finalize: replaces `spec.finalizers` of a terminating namespace. */
  finalize(namespace: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** pods/exec: runs a command in a container over WebSocket (v5.channel.k8s.io, else v4). */
  exec(name: string, opts: ExecOptions): Promise<RemoteCommandSession>;
  /** pods/attach: attaches to a container's main process over WebSocket. */
  attach(name: string, opts?: AttachOptions): Promise<RemoteCommandSession>;
  /** pods/portforward: one forwarded TCP connection per port, over one WebSocket. */
  portForward(name: string, ports: readonly number[], opts?: PortForwardOptions): Promise<PortForwardStreams>;
  /**
   * pods/proxy, services/proxy, nodes/proxy (client-go's ProxyGet): a GET the API server relays to
   * `scheme:name:port` ("" leaves scheme or port out), `path` and `params` appended; sent when the
   * returned ResponseWrapper is read (doRaw, stream).
   */
  proxyGet(
    scheme: string,
    name: string,
    port: string,
    path: string,
    params?: Readonly<Record<string, string>>,
  ): ResponseWrapper;
}

/**
 * The implementation of a handwritten `<Kind>Expansion` interface: each of its methods, called with
 * the resource client as `this`. `export const podExpansion: Expansion<PodExpansion> = { ... }` ties
 * the implementation to the interface the generated `PodInterface` extends.
 */
export type Expansion<E> = {
  readonly [K in keyof E]: E[K] extends (...args: infer A) => infer R
    ? (this: ResourceClient<unknown, unknown, unknown>, ...args: A) => R
    : never;
};
