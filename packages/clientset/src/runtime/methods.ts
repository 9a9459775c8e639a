// The method sets behind every generated interface. A generated interface picks exactly the verbs
// its resource supports, e.g.
//   export interface PodInterface
//     extends Pick<ResourceMethods<Pod, PodList, PodApplyConfiguration>, "create" | "get" | ...>,
//       Pick<SubresourceMethods<...>, ...>, PodExpansion {}
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

export interface ResourceMethods<T, TList, TApply> {
  create(obj: T, opts?: CreateOptions): Promise<T>;
  update(obj: T, opts?: UpdateOptions): Promise<T>;
  updateStatus(obj: T, opts?: UpdateOptions): Promise<T>;
  delete(name: string, opts?: DeleteOptions): Promise<void>;
  deleteCollection(opts?: DeleteOptions, listOpts?: ListOptions): Promise<void>;
  get(name: string, opts?: GetOptions): Promise<T>;
  list(opts?: ListOptions): Promise<TList>;
  /** Pager over list: yields every item, following `continue` with `limit` per page (default 500). */
  listAll(opts?: ListOptions): AsyncIterable<T>;
  /** Pager over list, a page at a time: each yielded list holds up to `limit` items (default 500). */
  listPages(opts?: ListOptions): AsyncIterable<TList>;
  watch(opts?: ListOptions): Watch<T>;
  /** `subresource` patches e.g. "status" or "scale". */
  patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T>;
  apply(config: TApply, opts: ApplyOptions): Promise<T>;
  applyStatus(config: TApply, opts: ApplyOptions): Promise<T>;
}

/** Verbs that come with the "list" verb (the pager) and "watch". */
export type ListVerbs = "list" | "listAll" | "listPages";

/** `/scale` (deployments, statefulsets, replicasets, replicationcontrollers). */
export interface ScaleMethods<TScale, TScaleApply> {
  getScale(name: string, opts?: GetOptions): Promise<TScale>;
  updateScale(name: string, scale: TScale, opts?: UpdateOptions): Promise<TScale>;
  applyScale(name: string, scale: TScaleApply, opts: ApplyOptions): Promise<TScale>;
}

/**
 * Named subresource methods, as client-go names them. `TBody` is the subresource's request kind and
 * `TResult` its response kind (both from the spec).
 */
export interface SubresourceMethods<TBody, TResult> {
  /** pods/binding */
  bind(binding: TBody, opts?: CreateOptions): Promise<void>;
  /** pods/eviction */
  evict(eviction: TBody, opts?: CreateOptions): Promise<void>;
  /** serviceaccounts/token: createToken(serviceAccountName, tokenRequest) */
  createToken(name: string, request: TBody, opts?: CreateOptions): Promise<TResult>;
  /** pods/ephemeralcontainers */
  updateEphemeralContainers(name: string, pod: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** pods/resize */
  updateResize(name: string, pod: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** certificatesigningrequests/approval */
  updateApproval(name: string, csr: TBody, opts?: UpdateOptions): Promise<TResult>;
  /** namespaces/finalize */
  finalize(namespace: TBody, opts?: UpdateOptions): Promise<TResult>;
}
