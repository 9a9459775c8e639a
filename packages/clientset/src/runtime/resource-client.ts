// The one generic resource client behind every generated interface (client-go's gentype.Client):
// every verb is written once here and addressed by the resource's coordinates. Responses are
// returned exactly as the RESTClient decoded them: no walking, copying or converting.
import {
  type ApplyOptions,
  type CreateOptions,
  type DeleteOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  PatchType,
  type RequestSpec,
  type UpdateOptions,
  type Watch,
} from "@org/rest";
import { groupVersionString } from "../discovery/index.js";
import type { ResourceMethods } from "./methods.js";
import type { RestInterface } from "./rest.js";

/** Where a resource lives: the URL coordinates the runtime needs (a ResourceDescriptor has them). */
export interface ResourceTarget {
  group: string;
  version: string;
  /** Plural resource name, the URL segment: "pods". */
  resource: string;
  namespaced: boolean;
  /**
   * The kind of the resource's objects (a typed client's descriptor has it; the dynamic and metadata
   * clients have none): writes fill in an object's missing apiVersion and kind with it.
   */
  kind?: string;
}

/** The fields of an object the runtime reads: its name (for update/apply) and list metadata. */
interface Named {
  metadata?: { name?: string };
}
interface ListMeta {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: unknown[];
}

/** Default page size of `listAll` (client-go's pager uses 500). */
export const DEFAULT_PAGE_SIZE = 500;

/** Throws a TypeError naming the call when `name` is empty. */
export function requireName(name: string | undefined, what: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${what}: resource name may not be empty; pass the object's name (metadata.name)`);
  }
  return name;
}

/** The object's metadata.name, or a TypeError naming the call when it has none. */
export function nameOf(obj: unknown, what: string): string {
  return requireName((obj as Named | null | undefined)?.metadata?.name, what);
}

/**
 * The cluster-wide target of `resource({ group, version, resource })` (the dynamic and metadata
 * clients); a TypeError when version or resource is missing. A missing group is the core group.
 */
export function gvrTarget(gvr: { group?: string; version: string; resource: string }): ResourceTarget {
  if (!gvr || typeof gvr.version !== "string" || gvr.version === "" || !gvr.resource) {
    throw new TypeError("resource({ group, version, resource }): version and resource are required");
  }
  return { group: gvr.group ?? "", version: gvr.version, resource: gvr.resource, namespaced: false };
}

/** `target` narrowed to one namespace, for `namespace(ns)`; a TypeError when `ns` is not a string. */
export function namespacedTarget(target: ResourceTarget, namespace: string): ResourceTarget {
  if (typeof namespace !== "string") throw new TypeError("namespace(ns): ns must be a string");
  return { ...target, namespaced: true };
}

function requireFieldManager(opts: ApplyOptions | undefined, what: string): void {
  if (opts === undefined || typeof opts.fieldManager !== "string" || opts.fieldManager === "") {
    throw new TypeError(
      `${what}: server-side apply needs a field manager; pass { fieldManager: "<your controller's name>" }`,
    );
  }
}

/**
 * `obj` with the apiVersion and kind of `target` where it has none, as client-go's typed clients
 * encode every object with its type's group, version and kind (the API server needs them for custom
 * resources; built-in ones it defaults from the URL). A copy: the caller's object is left as it is.
 */
function withTypeMeta<B>(target: ResourceTarget, obj: B): B {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  if (target.kind === undefined || o === null || typeof o !== "object" || Array.isArray(o)) return obj;
  if (o.apiVersion !== undefined && o.kind !== undefined) return obj;
  const { apiVersion, kind, ...rest } = o;
  return {
    apiVersion: apiVersion ?? groupVersionString(target.group, target.version),
    kind: kind ?? target.kind,
    ...rest,
  } as B;
}

export class ResourceClient<T, TList, TApply = T> implements ResourceMethods<T, TList, TApply> {
  readonly rest: RestInterface;
  readonly target: ResourceTarget;
  /** "" = all namespaces (list/watch) for a namespaced resource; always "" for a cluster-scoped one. */
  readonly ns: string;

  constructor(rest: RestInterface, target: ResourceTarget, namespace = "") {
    this.rest = rest;
    this.target = target;
    this.ns = target.namespaced ? (namespace ?? "") : "";
  }

  /** A request against this resource: the collection, or `name` and its `subresource`. */
  spec(method: RequestSpec["method"], extra?: Partial<RequestSpec>): RequestSpec {
    const s: RequestSpec = {
      method,
      group: this.target.group,
      version: this.target.version,
      resource: this.target.resource,
    };
    if (this.ns !== "") s.namespace = this.ns;
    return extra === undefined ? s : Object.assign(s, extra);
  }

  async create(obj: T, opts?: CreateOptions): Promise<T> {
    return this.rest.request<T>(this.spec("POST", { options: opts, body: withTypeMeta(this.target, obj) }));
  }

  async update(obj: T, opts?: UpdateOptions): Promise<T> {
    const name = nameOf(obj, "update");
    return this.rest.request<T>(
      this.spec("PUT", { name, options: opts, body: withTypeMeta(this.target, obj) }),
    );
  }

  async updateStatus(obj: T, opts?: UpdateOptions): Promise<T> {
    const name = nameOf(obj, "updateStatus");
    return this.updateSubresource<T, T>(name, "status", withTypeMeta(this.target, obj), opts);
  }

  async delete(name: string, opts?: DeleteOptions): Promise<void> {
    requireName(name, "delete");
    await this.rest.request(this.spec("DELETE", { name, deleteOptions: opts ?? {} }));
  }

  async deleteCollection(opts?: DeleteOptions, listOpts?: ListOptions): Promise<void> {
    await this.rest.request(this.spec("DELETE", { options: listOpts, deleteOptions: opts ?? {} }));
  }

  async get(name: string, opts?: GetOptions): Promise<T> {
    requireName(name, "get");
    return this.rest.request<T>(this.spec("GET", { name, options: opts }));
  }

  async list(opts?: ListOptions): Promise<TList> {
    return this.rest.request<TList>(this.spec("GET", { options: opts }));
  }

  /**
   * Every page of a list, following `continue` (client-go's pager). `limit` defaults to 500 (also
   * when 0). `resourceVersion` and `resourceVersionMatch` apply to the first page only: the continue
   * token carries the version of the list, and the server rejects either of them with a token
   * (client-go's pager clears them the same way). A continue token that expired while paging (410
   * Expired) is thrown, as client-go's EachListItem does: restart the listing.
   */
  async *listPages(opts?: ListOptions): AsyncGenerator<TList, void, undefined> {
    const limit = opts?.limit === undefined || opts.limit === 0 ? DEFAULT_PAGE_SIZE : opts.limit;
    let pageOpts: ListOptions = { ...opts, limit };
    for (;;) {
      const page: TList = await this.list(pageOpts);
      yield page;
      const cont = (page as ListMeta).metadata?.continue;
      if (cont === undefined || cont === "") return;
      const { resourceVersion: _rv, resourceVersionMatch: _match, ...rest } = pageOpts;
      pageOpts = { ...rest, continue: cont };
    }
  }

  async *listAll(opts?: ListOptions): AsyncGenerator<T, void, undefined> {
    for await (const page of this.listPages(opts)) {
      const items = (page as ListMeta).items;
      if (items !== undefined && items !== null) yield* items as T[];
    }
  }

  watch(opts?: ListOptions): Watch<T> {
    return this.rest.watch<T>(this.spec("GET", { options: opts }));
  }

  async patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T> {
    requireName(name, "patch");
    const { subresource, ...options } = opts ?? {};
    const extra: Partial<RequestSpec> = { name, options, body: data, contentType: type };
    if (subresource !== undefined && subresource !== "") extra.subresource = subresource;
    return this.rest.request<T>(this.spec("PATCH", extra));
  }

  async apply(config: TApply, opts: ApplyOptions): Promise<T> {
    requireFieldManager(opts, "apply");
    const name = nameOf(config, "apply");
    return this.applySubresource<TApply, T>(name, undefined, withTypeMeta(this.target, config), opts);
  }

  async applyStatus(config: TApply, opts: ApplyOptions): Promise<T> {
    requireFieldManager(opts, "applyStatus");
    const name = nameOf(config, "applyStatus");
    return this.applySubresource<TApply, T>(name, "status", withTypeMeta(this.target, config), opts);
  }

  // --- subresources: the building blocks of the named subresource methods and expansions ---

  async getSubresource<R>(name: string, subresource: string, opts?: GetOptions): Promise<R> {
    requireName(name, `get ${subresource}`);
    return this.rest.request<R>(this.spec("GET", { name, subresource, options: opts }));
  }

  async createSubresource<B, R>(
    name: string,
    subresource: string,
    body: B,
    opts?: CreateOptions,
  ): Promise<R> {
    requireName(name, `create ${subresource}`);
    return this.rest.request<R>(this.spec("POST", { name, subresource, options: opts, body }));
  }

  async updateSubresource<B, R>(
    name: string,
    subresource: string,
    body: B,
    opts?: UpdateOptions,
  ): Promise<R> {
    requireName(name, `update ${subresource}`);
    return this.rest.request<R>(this.spec("PUT", { name, subresource, options: opts, body }));
  }

  /** Server-side apply of `config` to `name` (or its `subresource`). */
  async applySubresource<B, R>(
    name: string,
    subresource: string | undefined,
    config: B,
    opts: ApplyOptions,
  ): Promise<R> {
    requireFieldManager(opts, subresource === undefined ? "apply" : `apply ${subresource}`);
    const extra: Partial<RequestSpec> = {
      name,
      options: opts,
      body: config,
      contentType: PatchType.Apply,
    };
    if (subresource !== undefined) extra.subresource = subresource;
    return this.rest.request<R>(this.spec("PATCH", extra));
  }
}
