// What generated code declares about a resource. The runtime (ResourceClient, the group and
// clientset factories) turns a descriptor into behaviour; generated code has no method bodies.
import type { ResourceClient } from "./resource-client.js";

/** Verbs on the resource itself, in client-go's names. */
export type Verb =
  | "create"
  | "update"
  | "updateStatus"
  | "delete"
  | "deleteCollection"
  | "get"
  | "list"
  | "watch"
  | "patch"
  | "apply"
  | "applyStatus";

/**
 * How a named subresource method is called; each has one builder in `subresources.ts`. `get` sends
 * no body (GET), `create` POSTs the body, `update` PUTs it, `apply` sends an apply configuration,
 * `connect` opens a WebSocket stream (exec, attach, portforward).
 */
export type SubresourceVerb = "get" | "create" | "update" | "apply" | "connect";

/**
 * One row of codegen's subresource method table (packages/codegen/src/model/subresources.ts), as the
 * generated descriptor carries it: the factory installs `method` on the resource's client.
 */
export interface SubresourceMethod {
  /** Client method, client-go's name camelCased: "getScale", "evict". */
  method: string;
  /** URL segment: "scale", "eviction". */
  subresource: string;
  verb: SubresourceVerb;
  /** `evict(eviction, opts)`: the name is the body's metadata.name; otherwise `(name, body, opts)`. */
  nameFromBody?: boolean;
  /** "none": the method resolves to nothing (client-go returns only an error). */
  result?: "none";
}

/** A group, version and kind: "apps", "v1", "Deployment". */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** HTTP-level verbs a subresource supports (from the spec's x-kubernetes-action). */
export type SubresourceHTTPVerb = "get" | "create" | "update" | "patch";

/** Reflection data: a subresource the server serves (connect subresources are not listed). */
export interface SubresourceDescriptor {
  /** Path segment: "status", "scale", "eviction", "log", "token", ... */
  name: string;
  verbs: readonly SubresourceHTTPVerb[];
  /** Body/response kind when it differs from the parent's (autoscaling/v1 Scale, policy/v1 Eviction ...). */
  kind?: GroupVersionKind;
}

/** A method installed on a resource client's prototype: called with the client as `this`. */
export type ClientMethod = (this: ResourceClient<unknown, unknown, unknown>, ...args: never[]) => unknown;

export interface ResourceDescriptor {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Reflection data (no runtime code reads it): the kind of the resource's objects, "Pod". */
  kind: string;
  /** Reflection data: the kind of its lists, "PodList". */
  listKind: string;
  /** Plural resource name, the URL segment: "pods". */
  resource: string;
  namespaced: boolean;
  /**
   * Reflection data: the verbs the server serves, in client-go's names. The generated interface
   * offers exactly these; the client object has every verb of ResourceClient.
   */
  verbs: readonly Verb[];
  /**
   * Reflection data (the fake clientset serves these): the resource's subresources with their
   * HTTP-level verbs. The client's subresource methods come from `methods`.
   */
  subresources: readonly SubresourceDescriptor[];
  /**
   * The named subresource methods the resource has (getScale, evict ...), installed on its client:
   * rows of the generated `subresource-methods.ts`.
   */
  methods: readonly SubresourceMethod[];
  /**
   * The implementation of the resource's handwritten `<Kind>Expansion`
   * (`src/expansions/<group>/<version>/<kind>.ts`), imported and set by the generator.
   */
  expansion?: Readonly<Record<string, ClientMethod>>;
}

/** One generated group-version: its getter names (client-go's, camelCased) and their resources. */
export interface GroupVersionDescriptor {
  /** Reflection data: the group ("" for core) of every resource below. */
  group: string;
  /** Reflection data: the version of every resource below. */
  version: string;
  /** e.g. { pods: podsDescriptor, nodes: nodesDescriptor } */
  resources: Readonly<Record<string, ResourceDescriptor>>;
}
