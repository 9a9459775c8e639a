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
import type { ResourceClient } from "./resource-client.js";

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

/**
 * Named subresource methods, as client-go names them: one line per row of codegen's subresource
 * method table. `TBody` is the subresource's request kind, `TResult` its response kind and `TApply`
 * its apply configuration (all from the spec).
 */
export interface SubresourceMethods<TBody, TResult, TApply = never> {
  /** `/scale` (deployments, statefulsets, replicasets, replicationcontrollers, CRDs with scale) */
  getScale(name: string, opts?: GetOptions): Promise<TResult>;
  updateScale(name: string, scale: TBody, opts?: UpdateOptions): Promise<TResult>;
  applyScale(name: string, scale: TApply, opts: ApplyOptions): Promise<TResult>;
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
