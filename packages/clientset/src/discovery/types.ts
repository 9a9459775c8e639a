// The discovery documents (meta/v1 and apidiscovery.k8s.io/v2), as the API server sends them.

/** GET /version */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  emulationMajor?: string;
  emulationMinor?: string;
  minCompatibilityMajor?: string;
  minCompatibilityMinor?: string;
}

export interface GroupVersionForDiscovery {
  /** "apps/v1", or "v1" for the core group. */
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  apiVersion?: string;
  kind?: string;
  /** "" for the core group. */
  name: string;
  /** In order of preference, the preferred one first. */
  versions: GroupVersionForDiscovery[];
  preferredVersion?: GroupVersionForDiscovery;
}

export interface APIGroupList {
  apiVersion?: string;
  kind?: string;
  groups: APIGroup[];
}

export interface APIResource {
  /** Plural name, or "<plural>/<subresource>" for a subresource. */
  name: string;
  singularName: string;
  namespaced: boolean;
  /** Set when the resource's kind lives in another group/version (e.g. a scale subresource). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface APIResourceList {
  apiVersion?: string;
  kind?: string;
  groupVersion: string;
  resources: APIResource[];
}

/** GET /api without aggregated discovery. */
export interface APIVersions {
  kind?: string;
  versions: string[];
}

// apidiscovery.k8s.io/v2 (aggregated discovery, Kubernetes 1.30+)

export interface APIGroupDiscoveryList {
  apiVersion?: string;
  kind: "APIGroupDiscoveryList";
  items?: APIGroupDiscovery[];
}

export interface APIGroupDiscovery {
  metadata?: { name?: string };
  /** In order of preference. */
  versions?: APIVersionDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources?: APIResourceDiscovery[];
  /** "Stale" when an aggregated API server could not be reached. */
  freshness?: "Current" | "Stale";
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope: "Cluster" | "Namespaced";
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  acceptedTypes?: { group?: string; version?: string; kind?: string }[];
  verbs?: string[];
}
