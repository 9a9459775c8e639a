// client-go's dynamic client: the same verbs on unstructured objects of any resource, addressed by
// group, version and resource (works for CRDs and anything the generated clientset does not know).
import {
  type ApplyOptions,
  type CreateOptions,
  type DeleteOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  RESTClient,
  type RestConfig,
  type UpdateOptions,
} from "@org/rest";
import {
  gvrTarget,
  nameOf,
  namespacedTarget,
  ResourceClient,
  requireName,
} from "../runtime/resource-client.js";
import type { RestInterface } from "../runtime/rest.js";

/** Any Kubernetes object, as decoded from JSON (client-go's unstructured.Unstructured). */
export interface Unstructured {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: unknown[];
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A list of unstructured objects (client-go's unstructured.UnstructuredList). */
export interface UnstructuredList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: Unstructured[];
}

export interface GroupVersionResource {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: "deployments", "crontabs". */
  resource: string;
}

/**
 * The verbs of one resource on unstructured objects. `get`, `create`, `update`, `delete`, `patch` and
 * `apply` take optional subresource names, as client-go's dynamic interface does (e.g.
 * `get(name, {}, "scale")`); several are joined as path segments, empty ones dropped.
 */
export class DynamicResourceClient extends ResourceClient<Unstructured, UnstructuredList, Unstructured> {
  override async get(name: string, opts?: GetOptions, ...subresources: string[]): Promise<Unstructured> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.get(name, opts);
    return this.getSubresource(name, sub, opts);
  }

  override async create(
    obj: Unstructured,
    opts?: CreateOptions,
    ...subresources: string[]
  ): Promise<Unstructured> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.create(obj, opts);
    return this.createSubresource(nameOf(obj, `create ${sub}`), sub, obj, opts);
  }

  override async update(
    obj: Unstructured,
    opts?: UpdateOptions,
    ...subresources: string[]
  ): Promise<Unstructured> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.update(obj, opts);
    return this.updateSubresource(nameOf(obj, `update ${sub}`), sub, obj, opts);
  }

  /** Deletes the object or, as client-go's dynamic Delete takes them, one of its subresources. */
  override async delete(name: string, opts?: DeleteOptions, ...subresources: string[]): Promise<void> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.delete(name, opts);
    requireName(name, `delete ${sub}`);
    await this.rest.request(this.spec("DELETE", { name, subresource: sub, deleteOptions: opts ?? {} }));
  }

  /**
   * One page of objects. Items without `kind` and `apiVersion` get them from the list, as client-go's
   * UnstructuredList decoding does: the API server leaves them out of the items of built-in lists
   * (a ConfigMapList's items are ConfigMaps of the list's apiVersion); CRs already carry theirs.
   */
  override async list(opts?: ListOptions): Promise<UnstructuredList> {
    const list = await super.list(opts);
    const items = list?.items;
    if (!Array.isArray(items) || items.length === 0) return list;
    const kind =
      typeof list.kind === "string" && list.kind.endsWith("List") ? list.kind.slice(0, -4) : list.kind;
    for (const item of items) {
      if (item !== null && typeof item === "object" && !item.kind && !item.apiVersion) {
        if (kind) item.kind = kind;
        if (list.apiVersion) item.apiVersion = list.apiVersion;
      }
    }
    return list;
  }

  /**
   * Patches the object or, as client-go's dynamic Patch takes them, one of its subresources:
   * `patch(name, PatchType.Merge, { status: ... }, {}, "status")` (or `opts.subresource`; not both).
   */
  override async patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
    ...subresources: string[]
  ): Promise<Unstructured> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.patch(name, type, data, opts);
    if (opts?.subresource !== undefined && opts.subresource !== "") {
      throw new TypeError(
        `patch: subresource given twice (opts.subresource ${JSON.stringify(opts.subresource)} and ` +
          `${JSON.stringify(sub)}); pass one`,
      );
    }
    return super.patch(name, type, data, { ...opts, subresource: sub });
  }

  /** Server-side apply to the object or one of its subresources. */
  override async apply(
    obj: Unstructured,
    opts: ApplyOptions,
    ...subresources: string[]
  ): Promise<Unstructured> {
    const sub = subresourcePath(subresources);
    if (sub === "") return super.apply(obj, opts);
    return this.applySubresource(nameOf(obj, `apply ${sub}`), sub, obj, opts);
  }
}

/** client-go appends each subresource as a path segment (path.Join drops empty ones): "a/b" or "". */
function subresourcePath(subresources: readonly string[]): string {
  return subresources.filter((s) => s !== "").join("/");
}

/**
 * A resource across namespaces: its verbs act cluster-wide (for cluster-scoped resources, or to
 * list/watch every namespace); `namespace(ns)` narrows to one namespace.
 */
export class NamespaceableResourceClient extends DynamicResourceClient {
  constructor(rest: RestInterface, gvr: GroupVersionResource) {
    super(rest, gvrTarget(gvr));
  }

  namespace(namespace: string): DynamicResourceClient {
    return new DynamicResourceClient(this.rest, namespacedTarget(this.target, namespace), namespace);
  }
}

export class DynamicClient {
  readonly rest: RestInterface;

  constructor(rest: RestInterface) {
    this.rest = rest;
  }

  /** client-go's dynamic.NewForConfig. Pass a RESTClient instead to share one with a Clientset. */
  static forConfig(config: RestConfig | RESTClient): DynamicClient {
    return new DynamicClient(config instanceof RESTClient ? config : RESTClient.forConfig(config));
  }

  resource(gvr: GroupVersionResource): NamespaceableResourceClient {
    return new NamespaceableResourceClient(this.rest, gvr);
  }
}
