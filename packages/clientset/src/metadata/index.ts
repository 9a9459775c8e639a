// client-go's metadata client: any resource as PartialObjectMetadata (apiVersion, kind and
// metadata only). The server strips everything else before sending, through content negotiation
// (Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1), so a list of 10,000 pods
// costs a fraction of the bytes, parse time and memory of the full objects.
import type { ListMeta, ObjectMeta } from "@org/api-types/meta/v1";
import {
  type DeleteOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  RESTClient,
  type RestConfig,
  type Watch,
} from "@org/rest";
import type { GroupVersionResource } from "../dynamic/index.js";
import { gvrTarget, namespacedTarget, ResourceClient, requireName } from "../runtime/resource-client.js";
import type { RestInterface } from "../runtime/rest.js";

/** meta.k8s.io/v1 PartialObjectMetadata: an object's type and metadata, nothing else. */
export interface PartialObjectMetadata {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** meta.k8s.io/v1 PartialObjectMetadataList. */
export interface PartialObjectMetadataList {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: PartialObjectMetadata[];
}

/** Accept header of metadata-only get, patch and watch (each object, each watch event's object). */
export const partialObjectMetadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
/** Accept header of metadata-only lists. */
export const partialObjectMetadataListAccept =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/** The metadata-only verbs of one resource (client-go's metadata.ResourceInterface). */
export interface MetadataResourceInterface {
  get(name: string, opts?: GetOptions): Promise<PartialObjectMetadata>;
  list(opts?: ListOptions): Promise<PartialObjectMetadataList>;
  /** Every item, following `continue` (page size `limit`, default 500). */
  listAll(opts?: ListOptions): AsyncIterable<PartialObjectMetadata>;
  watch(opts?: ListOptions): Watch<PartialObjectMetadata>;
  delete(name: string, opts?: DeleteOptions): Promise<void>;
  deleteCollection(opts?: DeleteOptions, listOpts?: ListOptions): Promise<void>;
  patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<PartialObjectMetadata>;
}

/** A resource across namespaces; `namespace(ns)` narrows to one (client-go's NamespaceableResourceInterface). */
export interface NamespaceableMetadataResourceInterface extends MetadataResourceInterface {
  namespace(namespace: string): MetadataResourceInterface;
}

/** The generic verbs with the metadata-only Accept headers; the other verbs are not exposed. */
class MetadataResourceClient extends ResourceClient<PartialObjectMetadata, PartialObjectMetadataList, never> {
  override async get(name: string, opts?: GetOptions): Promise<PartialObjectMetadata> {
    requireName(name, "get");
    return this.rest.request(this.spec("GET", { name, options: opts, accept: partialObjectMetadataAccept }));
  }

  override async list(opts?: ListOptions): Promise<PartialObjectMetadataList> {
    return this.rest.request(this.spec("GET", { options: opts, accept: partialObjectMetadataListAccept }));
  }

  override watch(opts?: ListOptions): Watch<PartialObjectMetadata> {
    return this.rest.watch(this.spec("GET", { options: opts, accept: partialObjectMetadataAccept }));
  }

  override async patch(
    name: string,
    type: PatchType,
    data: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<PartialObjectMetadata> {
    requireName(name, "patch");
    const { subresource, ...options } = opts ?? {};
    return this.rest.request(
      this.spec("PATCH", {
        name,
        options,
        body: data,
        contentType: type,
        accept: partialObjectMetadataAccept,
        ...(subresource ? { subresource } : {}),
      }),
    );
  }

  namespace(namespace: string): MetadataResourceInterface {
    return new MetadataResourceClient(this.rest, namespacedTarget(this.target, namespace), namespace);
  }
}

/** client-go's metadata.Client: metadata-only access to any resource by group, version and resource. */
export class MetadataClient {
  readonly rest: RestInterface;

  constructor(rest: RestInterface) {
    this.rest = rest;
  }

  /** client-go's metadata.NewForConfig. Pass a RESTClient instead to share one with a Clientset. */
  static forConfig(config: RestConfig | RESTClient): MetadataClient {
    return new MetadataClient(config instanceof RESTClient ? config : RESTClient.forConfig(config));
  }

  resource(gvr: GroupVersionResource): NamespaceableMetadataResourceInterface {
    return new MetadataResourceClient(this.rest, gvrTarget(gvr));
  }
}
