// What generated code declares about a resource. The runtime (ResourceClient, the group and
// clientset factories) turns a descriptor into behaviour; generated code has no method bodies.

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

/** HTTP-level verbs a subresource supports (from the spec's x-kubernetes-action). */
export type SubresourceVerb = "get" | "create" | "update" | "patch";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface SubresourceDescriptor {
  /** Path segment: "status", "scale", "eviction", "log", "token", ... */
  name: string;
  verbs: readonly SubresourceVerb[];
  /** Body/response kind when it differs from the parent's (autoscaling/v1 Scale, policy/v1 Eviction ...). */
  kind?: GroupVersionKind;
}

export interface ResourceDescriptor {
  group: string; // "" for the core group
  version: string;
  kind: string;
  listKind: string;
  /** Plural resource name, the URL segment: "pods". */
  resource: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  subresources: readonly SubresourceDescriptor[];
}

/** One generated group-version: its getter names (client-go's, camelCased) and their resources. */
export interface GroupVersionDescriptor {
  group: string;
  version: string;
  /** e.g. { pods: podsDescriptor, nodes: nodesDescriptor } */
  resources: Readonly<Record<string, ResourceDescriptor>>;
}
