// client-go's discovery client, memory-cached: what the server serves (groups, versions, resources).
// It asks for aggregated discovery (apidiscovery.k8s.io/v2: all groups and resources in two
// requests, /api and /apis) and falls back to one request per group-version on older servers.
import { type CallOptions, isNotFound, RESTClient, type RestConfig } from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import type {
  APIGroup,
  APIGroupDiscovery,
  APIGroupDiscoveryList,
  APIGroupList,
  APIResource,
  APIResourceDiscovery,
  APIResourceList,
  APIVersions,
  VersionInfo,
} from "./types.js";

export type * from "./types.js";

/** Accept header for aggregated discovery, with plain JSON (legacy discovery) as the fallback. */
export const AGGREGATED_DISCOVERY_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/** Some group-versions could not be discovered (e.g. an aggregated API server is down). */
export class GroupDiscoveryFailedError extends Error {
  /** groupVersion ("metrics.k8s.io/v1beta1") → why. */
  readonly groups: ReadonlyMap<string, unknown>;
  /** What was discovered. */
  readonly resources: APIResourceList[];
  constructor(groups: ReadonlyMap<string, unknown>, resources: APIResourceList[]) {
    // As client-go words it (and kubectl api-resources prints it): each group-version with its reason.
    const why = [...groups].map(([gv, err]) => `${gv}: ${err instanceof Error ? err.message : String(err)}`);
    super(
      `unable to retrieve the complete list of server APIs: ${why.join(", ")}; ` +
        "check those APIServices (kubectl get apiservices) or use the partial result in .resources",
    );
    this.name = "GroupDiscoveryFailedError";
    this.groups = groups;
    this.resources = resources;
  }
}

export interface GroupsAndResources {
  groups: APIGroup[];
  /** One list per served group-version that could be discovered, in group and preference order. */
  resources: APIResourceList[];
  /** Group-versions that could not be discovered, and why. */
  failed: Map<string, unknown>;
}

interface Snapshot {
  aggregated: boolean;
  groups: APIGroup[];
  /** Aggregated discovery: every group-version's resources; legacy: none (fetched on demand). */
  resources: Map<string, APIResourceList>;
  /** Aggregated discovery: stale group-versions. */
  stale: Map<string, Error>;
}

/** "apps/v1" for group "apps" and version "v1"; "v1" for the core group. */
export function groupVersionString(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

/** The inverse of groupVersionString: "apps/v1" → apps and v1, "v1" → the core group. */
export function parseGroupVersion(groupVersion: string): { group: string; version: string } {
  const slash = groupVersion.indexOf("/");
  return slash === -1
    ? { group: "", version: groupVersion }
    : { group: groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1) };
}

type ResponseKind = APIResourceDiscovery["responseKind"];

/** A responseKind that names a kind: client-go takes a missing or empty one for none. */
function hasKind(k: ResponseKind): k is NonNullable<ResponseKind> {
  return k !== undefined && Boolean(k.group || k.version || k.kind);
}

function convertResource(r: APIResourceDiscovery): APIResource[] {
  const namespaced = r.scope === "Namespaced";
  const out: APIResource[] = [];
  const singularName = r.singularResource ?? "";
  const entry = (name: string, k: NonNullable<ResponseKind>, verbs: string[] | undefined): APIResource => {
    const e: APIResource = { name, singularName, namespaced, kind: k.kind ?? "", verbs: verbs ?? [] };
    if (k.group !== undefined) e.group = k.group;
    if (k.version !== undefined) e.version = k.version;
    return e;
  };
  // A resource without a kind is listed through its subresources only (each with a kind of its own).
  if (hasKind(r.responseKind)) {
    const parent = entry(r.resource, r.responseKind, r.verbs);
    if (r.shortNames !== undefined) parent.shortNames = r.shortNames;
    if (r.categories !== undefined) parent.categories = r.categories;
    out.push(parent);
  }
  for (const s of r.subresources ?? [])
    if (hasKind(s.responseKind)) out.push(entry(`${r.resource}/${s.subresource}`, s.responseKind, s.verbs));
  return out;
}

function addAggregated(list: APIGroupDiscoveryList, snap: Snapshot): void {
  for (const g of list.items ?? []) addAggregatedGroup(g, snap);
}

function addAggregatedGroup(g: APIGroupDiscovery, snap: Snapshot): void {
  const name = g.metadata?.name ?? "";
  const group: APIGroup = { name, versions: [] };
  for (const v of g.versions ?? []) {
    const gv = groupVersionString(name, v.version);
    // A stale version is not served (as client-go and `kubectl api-versions` see it), only reported.
    if (v.freshness === "Stale") {
      snap.stale.set(
        gv,
        new Error(`the server's discovery document for ${gv} is stale (its API server is unreachable)`),
      );
      continue;
    }
    group.versions.push({ groupVersion: gv, version: v.version });
    const resources: APIResource[] = [];
    for (const r of v.resources ?? []) resources.push(...convertResource(r));
    snap.resources.set(gv, { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources });
  }
  // The preferred version is the first one that is not stale; a group with none has none.
  if (group.versions[0] !== undefined) group.preferredVersion = group.versions[0];
  snap.groups.push(group);
}

function coreGroup(versions: APIVersions): APIGroup {
  const vs = (versions.versions ?? []).map((v) => ({ groupVersion: v, version: v }));
  const g: APIGroup = { name: "", versions: vs };
  if (vs[0] !== undefined) g.preferredVersion = vs[0];
  return g;
}

export interface DiscoveryOptions {
  /** Ask for aggregated discovery (default true). */
  aggregated?: boolean;
}

export class DiscoveryClient {
  readonly rest: RestInterface;
  readonly #aggregated: boolean;
  #snapshot: Promise<Snapshot> | undefined;
  #lists = new Map<string, Promise<APIResourceList>>();

  constructor(rest: RestInterface, opts?: DiscoveryOptions) {
    this.rest = rest;
    this.#aggregated = opts?.aggregated ?? true;
  }

  /** client-go's discovery.NewDiscoveryClientForConfig. Pass a RESTClient to share one. */
  static forConfig(config: RestConfig | RESTClient, opts?: DiscoveryOptions): DiscoveryClient {
    return new DiscoveryClient(config instanceof RESTClient ? config : RESTClient.forConfig(config), opts);
  }

  /** Forgets everything cached; the next call asks the server again (e.g. after installing a CRD). */
  invalidate(): void {
    this.#snapshot = undefined;
    this.#lists.clear();
  }

  /** Whether the server answered with aggregated discovery (after the first call). */
  async usesAggregatedDiscovery(opts?: CallOptions): Promise<boolean> {
    return (await this.#load(opts)).aggregated;
  }

  /** GET /version (never cached). */
  serverVersion(opts?: CallOptions): Promise<VersionInfo> {
    return this.rest.request<VersionInfo>({ method: "GET", path: "/version", options: opts });
  }

  /** Every API group the server serves, the core group ("") first. */
  async serverGroups(opts?: CallOptions): Promise<APIGroupList> {
    const snap = await this.#load(opts);
    return { kind: "APIGroupList", apiVersion: "v1", groups: snap.groups };
  }

  /** The resources (and subresources, "pods/status") of one group-version: "v1", "apps/v1". */
  async serverResourcesForGroupVersion(groupVersion: string, opts?: CallOptions): Promise<APIResourceList> {
    const snap = await this.#load(opts);
    const cached = snap.resources.get(groupVersion);
    if (cached !== undefined) return cached;
    const stale = snap.stale.get(groupVersion);
    if (stale !== undefined) throw stale;
    let p = this.#lists.get(groupVersion);
    if (p === undefined) {
      const { group, version } = parseGroupVersion(groupVersion);
      p = this.rest.request<APIResourceList>({ method: "GET", group, version, options: opts });
      this.#lists.set(groupVersion, p);
      p.catch(() => this.#lists.delete(groupVersion));
    }
    const list = await p;
    list.groupVersion ??= groupVersion;
    list.resources ??= [];
    return list;
  }

  /** Every group and the resources of every served version; failures are reported, not thrown. */
  async serverGroupsAndResources(opts?: CallOptions): Promise<GroupsAndResources> {
    const snap = await this.#load(opts);
    const gvs = snap.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
    const settled = await Promise.allSettled(gvs.map((gv) => this.serverResourcesForGroupVersion(gv, opts)));
    const resources: APIResourceList[] = [];
    const failed = new Map<string, unknown>();
    settled.forEach((s, i) => {
      if (s.status === "fulfilled") resources.push(s.value);
      else failed.set(gvs[i]!, s.reason);
    });
    for (const [gv, err] of snap.stale) failed.set(gv, err);
    return { groups: snap.groups, resources, failed };
  }

  /**
   * For every group and resource, the resource in the group's preferred version (or the first
   * version that has it), without subresources. Throws GroupDiscoveryFailedError (carrying the
   * partial result) when some group-versions could not be discovered.
   */
  async serverPreferredResources(opts?: CallOptions): Promise<APIResourceList[]> {
    const { groups, resources, failed } = await this.serverGroupsAndResources(opts);
    const byGV = new Map(resources.map((r) => [r.groupVersion, r]));
    const chosen = new Map<string, { group: string; version: string; resource: APIResource }>();
    const order: { gv: string; version: string; group: string }[] = [];
    for (const g of groups) {
      for (const v of g.versions) {
        order.push({ gv: v.groupVersion, version: v.version, group: g.name });
        const list = byGV.get(v.groupVersion);
        if (list === undefined) continue;
        for (const r of list.resources) {
          if (r.name.includes("/")) continue;
          const key = `${g.name}/${r.name}`;
          if (chosen.has(key) && v.version !== g.preferredVersion?.version) continue;
          chosen.set(key, { group: g.name, version: v.version, resource: r });
        }
      }
    }
    const out: APIResourceList[] = [];
    for (const { gv, version, group } of order) {
      const rs: APIResource[] = [];
      for (const c of chosen.values()) {
        if (c.version === version && c.group === group) rs.push(c.resource);
      }
      if (rs.length > 0)
        out.push({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: rs });
    }
    if (failed.size > 0) throw new GroupDiscoveryFailedError(failed, out);
    return out;
  }

  /** serverPreferredResources, only the namespaced ones. */
  async serverPreferredNamespacedResources(opts?: CallOptions): Promise<APIResourceList[]> {
    const lists = await this.serverPreferredResources(opts);
    return lists
      .map((l) => ({ ...l, resources: l.resources.filter((r) => r.namespaced) }))
      .filter((l) => l.resources.length > 0);
  }

  #load(opts: CallOptions | undefined): Promise<Snapshot> {
    if (this.#snapshot === undefined) {
      const p = this.#fetch(opts);
      this.#snapshot = p;
      p.catch(() => {
        if (this.#snapshot === p) this.#snapshot = undefined;
      });
    }
    return this.#snapshot;
  }

  async #fetch(opts: CallOptions | undefined): Promise<Snapshot> {
    const accept = this.#aggregated ? AGGREGATED_DISCOVERY_ACCEPT : "application/json";
    const get = <T>(path: string, as: string) =>
      this.rest.request<T>({ method: "GET", path, accept: as, options: opts });
    // An aggregated API server may not serve /api: as client-go, that is no core group, not a failure.
    const getApi = (as: string) =>
      get<APIGroupDiscoveryList | APIVersions>("/api", as).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    const [api, apis] = await Promise.all([
      getApi(accept),
      get<APIGroupDiscoveryList | APIGroupList>("/apis", accept),
    ]);
    const snap: Snapshot = { aggregated: false, groups: [], resources: new Map(), stale: new Map() };
    if (
      (api === undefined || api.kind === "APIGroupDiscoveryList") &&
      apis.kind === "APIGroupDiscoveryList"
    ) {
      snap.aggregated = true;
      if (api !== undefined) addAggregated(api as APIGroupDiscoveryList, snap);
      addAggregated(apis as APIGroupDiscoveryList, snap);
      return snap;
    }
    // Legacy discovery (or a mix, which a server should not send: then ask again without aggregation).
    const legacyApi = api?.kind === "APIGroupDiscoveryList" ? await getApi("application/json") : api;
    const legacyApis =
      apis.kind === "APIGroupDiscoveryList"
        ? await get<APIGroupList>("/apis", "application/json")
        : (apis as APIGroupList);
    if (legacyApi !== undefined) snap.groups.push(coreGroup(legacyApi as APIVersions));
    for (const g of legacyApis.groups ?? []) snap.groups.push(g);
    return snap;
  }
}
