// client-go's restmapper: kind ↔ resource, preferred versions and short names, from discovery.
// `RESTMapper` maps from one discovery snapshot (synchronous); `DeferredRESTMapper` loads it on
// first use and reloads once when something is not found (e.g. a CRD installed since).
import type { CallOptions } from "@org/rest";
import { type DiscoveryClient, groupVersionString, parseGroupVersion } from "../discovery/index.js";
import type { APIGroup, APIResourceList } from "../discovery/types.js";
import type { GroupVersionResource } from "../dynamic/index.js";
import type { GroupVersionKind } from "../runtime/descriptor.js";

/** What a caller knows: the resource (plural, singular or short name), maybe group and version. */
export interface PartialGroupVersionResource {
  group?: string;
  version?: string;
  resource: string;
}

export interface GroupKind {
  group?: string;
  kind: string;
}

/** A resource in a group, in any version (client-go's schema.GroupResource). */
export interface GroupResource {
  group: string;
  resource: string;
}

export interface RESTMapping {
  resource: GroupVersionResource;
  groupVersionKind: GroupVersionKind;
  /** "namespace" for namespaced resources, "root" for cluster-scoped ones (client-go's meta.RESTScope). */
  scope: "namespace" | "root";
  namespaced: boolean;
}

/** One group's discovery: its versions in preference order and each version's resources. */
export interface APIGroupResources {
  group: APIGroup;
  /** version → its resource list. */
  versionedResources: Record<string, APIResourceList["resources"]>;
}

/**
 * A resource as kubectl takes it on the command line (apimachinery's schema.ParseResourceArg):
 * "pods", "deploy.apps", "deployments.v1.apps". `gvr` is set when the argument has two dots or more
 * (resource.version.group); `groupResource` reads everything after the first dot as the group. kubectl
 * maps `gvr` first and falls back to `groupResource` when that finds nothing.
 */
export function parseResourceArg(arg: string): {
  gvr: GroupVersionResource | undefined;
  groupResource: GroupResource;
} {
  const parts = arg.split(".");
  const gvr =
    parts.length >= 3
      ? { group: parts.slice(2).join("."), version: parts[1] ?? "", resource: parts[0] ?? "" }
      : undefined;
  const dot = arg.indexOf(".");
  const groupResource =
    dot === -1 ? { group: "", resource: arg } : { group: arg.slice(dot + 1), resource: arg.slice(0, dot) };
  return { gvr, groupResource };
}

/**
 * A kind as kubectl takes it on the command line (apimachinery's schema.ParseKindArg): "Pod",
 * "CronTab.stable.example.com", "CronTab.v1.stable.example.com". `gvk` is set when the argument has
 * two dots or more (Kind.version.group); `groupKind` reads everything after the first dot as the group.
 */
export function parseKindArg(arg: string): {
  gvk: GroupVersionKind | undefined;
  groupKind: { group: string; kind: string };
} {
  const { gvr, groupResource } = parseResourceArg(arg);
  return {
    gvk: gvr === undefined ? undefined : { group: gvr.group, version: gvr.version, kind: gvr.resource },
    groupKind: { group: groupResource.group, kind: groupResource.resource },
  };
}

/** Nothing matched (client-go's NoKindMatchError / NoResourceMatchError). */
export class NoMatchError extends Error {
  readonly what: string;
  constructor(what: string, hint = "check the spelling, or whether the API (e.g. a CRD) is installed") {
    super(`no matches for ${what}; ${hint}`);
    this.name = "NoMatchError";
    this.what = what;
  }
}

/**
 * A command-line argument that names no resource and no kind (`mappingFor`), with kubectl's text:
 * `the server doesn't have a resource type "x"`, x being the argument up to its first dot.
 */
export class UnknownResourceTypeError extends NoMatchError {
  readonly resource: string;
  constructor(resource: string, undiscovered: readonly string[] = []) {
    super(`resource type "${resource}"`);
    this.name = "UnknownResourceTypeError";
    this.resource = resource;
    this.message =
      `the server doesn't have a resource type "${resource}"` +
      (undiscovered.length > 0 ? ` (${undiscovered.join(", ")} could not be discovered)` : "");
  }
}

export function isNoMatchError(err: unknown): err is NoMatchError {
  return err instanceof NoMatchError;
}

interface Entry {
  gvr: GroupVersionResource;
  gvk: GroupVersionKind;
  namespaced: boolean;
  singular: string;
  shortNames: readonly string[];
  /** Lower is preferred: core v1, then group order, then version order within the group. */
  priority: number;
}

function lower(s: string | undefined): string {
  return (s ?? "").toLowerCase();
}

function describe(p: { group?: string | undefined; version?: string | undefined }, name: string): string {
  const parts = [p.group ? `group "${p.group}"` : "", p.version ? `version "${p.version}"` : ""].filter(
    Boolean,
  );
  return parts.length > 0 ? `${name} in ${parts.join(", ")}` : name;
}

/** Whether `e` is in `group` ("" is any group; "core", with `coreAlias`, the core group ""). */
function isInGroup(e: Entry, group: string, coreAlias: boolean): boolean {
  return group === "" || e.gvr.group === group || (coreAlias && group === "core" && e.gvr.group === "");
}

function mappingOf(e: Entry): RESTMapping {
  return {
    resource: { ...e.gvr },
    groupVersionKind: { ...e.gvk },
    scope: e.namespaced ? "namespace" : "root",
    namespaced: e.namespaced,
  };
}

export class RESTMapper {
  readonly #entries: Entry[] = [];
  /** Group-versions discovery could not read (set by fromDiscovery); a NoMatchError names them. */
  #unavailable: ReadonlyMap<string, unknown> = new Map();

  /** From the groups and resources discovery returns (e.g. `discovery.serverGroupsAndResources()`). */
  constructor(groupResources: readonly APIGroupResources[]) {
    let priority = 0;
    for (const { group, versionedResources } of groupResources) {
      const versions = group.versions.map((v) => v.version);
      const preferred = group.preferredVersion?.version;
      if (preferred !== undefined && versions.includes(preferred)) {
        versions.splice(versions.indexOf(preferred), 1);
        versions.unshift(preferred);
      }
      for (const version of versions) {
        for (const r of versionedResources[version] ?? []) {
          if (r.name.includes("/")) continue;
          this.#entries.push({
            gvr: { group: group.name, version, resource: r.name },
            gvk: { group: group.name, version, kind: r.kind },
            namespaced: r.namespaced,
            singular: r.singularName !== "" && r.singularName !== undefined ? r.singularName : lower(r.kind),
            shortNames: r.shortNames ?? [],
            // Core v1 comes first whatever the order (client-go: "/v1 is special").
            priority: group.name === "" && version === "v1" ? -1 : priority,
          });
        }
        priority++;
      }
    }
  }

  /**
   * Reads discovery (one request with aggregated discovery) and builds a mapper from it. `registered`
   * adds groups the server does not serve (yet), e.g. the `apiGroupResources` that `org-codegen crd`
   * generates for a package's CRDs; a group discovery lists is taken from discovery.
   */
  static async fromDiscovery(
    discovery: DiscoveryClient,
    registered: readonly APIGroupResources[] = [],
  ): Promise<RESTMapper> {
    // Group-versions that failed discovery (an unreachable aggregated API) map nothing; the rest do.
    const { groups, resources, failed } = await discovery.serverGroupsAndResources();
    const byGV = new Map(resources.map((r) => [r.groupVersion, r.resources]));
    const out: APIGroupResources[] = [];
    for (const group of groups) {
      const versionedResources: Record<string, APIResourceList["resources"]> = {};
      for (const v of group.versions) {
        const rs = byGV.get(v.groupVersion);
        if (rs !== undefined) versionedResources[v.version] = rs;
      }
      out.push({ group, versionedResources });
    }
    for (const r of registered) if (!groups.some((g) => g.name === r.group.name)) out.push(r);
    const mapper = new RESTMapper(out);
    mapper.#unavailable = failed;
    return mapper;
  }

  /** Nothing matched: if the group-version asked for could not be discovered, the error says so. */
  /**
   * Nothing matched: if the group-version asked for could not be discovered, the error says so; if
   * only the version was wrong (not served, or no longer), it names the group-versions that serve it.
   */
  #noMatch(
    what: string,
    group: string | undefined,
    versions: readonly string[],
    servedIn: readonly { gvk: GroupVersionKind }[] = [],
  ): NoMatchError {
    for (const [gv, why] of this.#unavailable) {
      const p = parseGroupVersion(gv);
      if (p.group !== group || (versions.length > 0 && !versions.includes(p.version))) continue;
      return new NoMatchError(
        what,
        `${gv} is served but could not be discovered (${why instanceof Error ? why.message : String(why)})`,
      );
    }
    const gvs = [...new Set(servedIn.map((e) => groupVersionString(e.gvk.group, e.gvk.version)))];
    if (versions.length > 0 && gvs.length > 0)
      return new NoMatchError(what, `it is served in ${gvs.join(", ")}`);
    return new NoMatchError(what);
  }

  /**
   * `asKubectl`: only what kubectl accepts, for mappingFor: short names as written (kubectl's shortcut
   * expander does not fold case; plural and singular names it does) and no "core" alias.
   */
  #matchResource(p: PartialGroupVersionResource, asKubectl = false): Entry[] {
    if (p.resource === "") throw new TypeError("a resource must be given, e.g. pods or deploy");
    const name = lower(p.resource);
    const shortName = asKubectl ? p.resource : name;
    const group = p.group ?? "";
    const version = p.version ?? "";
    const inVersion = (e: Entry) => version === "" || e.gvr.version === version;
    const inGroup = (e: Entry) => isInGroup(e, group, !asKubectl);
    // A group that names no group exactly is a prefix ("deploy.ap" is apps): for short names, with
    // or without a version, as in client-go's shortcut expander (tried first); for plural and
    // singular names only without a version, as in DefaultRESTMapper.
    const byPrefix = (e: Entry) => group !== "" && e.gvr.group.startsWith(group);
    const byPrefixNoVersion = (e: Entry) => version === "" && byPrefix(e);
    const named = (e: Entry) => e.gvr.resource === name || e.singular === name;
    const short = (e: Entry) => e.shortNames.includes(shortName);
    let hits: Entry[] = [];
    for (const [where, how] of [
      [inGroup, named],
      [inGroup, short],
      [byPrefix, short],
      [byPrefixNoVersion, named],
    ] as const) {
      hits = this.#entries.filter((e) => inVersion(e) && where(e) && how(e));
      if (hits.length > 0) break;
    }
    // An empty group prefers the core group, then the discovery order (client-go's priority mapper).
    return hits.sort((a, b) => a.priority - b.priority);
  }

  /** Every match for a partial resource, the preferred first. */
  resourcesFor(p: PartialGroupVersionResource): GroupVersionResource[] {
    return this.#matchResource(p).map((e) => ({ ...e.gvr }));
  }

  /** The preferred full resource for a plural, singular or short name ("deploy" → apps/v1 deployments). */
  resourceFor(p: PartialGroupVersionResource): GroupVersionResource {
    const hit = this.#matchResource(p)[0];
    if (hit === undefined) throw this.#resourceNoMatch(p);
    return { ...hit.gvr };
  }

  #resourceNoMatch(p: PartialGroupVersionResource): NoMatchError {
    const versions = p.version ? [p.version] : [];
    // The same resource in the same group, in the versions that are served.
    const servedIn =
      versions.length === 0
        ? []
        : this.#matchResource({ ...p, version: "" }).filter((e) => isInGroup(e, p.group ?? "", true));
    return this.#noMatch(describe(p, `resource "${p.resource}"`), p.group, versions, servedIn);
  }

  kindsFor(p: PartialGroupVersionResource): GroupVersionKind[] {
    return this.#matchResource(p).map((e) => ({ ...e.gvk }));
  }

  /** The kind served at a resource ("pods" → v1 Pod). */
  kindFor(p: PartialGroupVersionResource): GroupVersionKind {
    const hit = this.#matchResource(p)[0];
    if (hit === undefined) throw this.#resourceNoMatch(p);
    return { ...hit.gvk };
  }

  /**
   * Every mapping of a kind, in preference order; `versions` narrows (and orders) the versions.
   * The kind matches exactly, or else case-insensitively.
   */
  restMappings(gk: GroupKind, ...versions: string[]): RESTMapping[] {
    if (gk.kind === "") throw new TypeError("a kind must be given, e.g. Pod or Deployment");
    const wanted = versions.filter((v) => v !== "");
    const inGroup = (e: Entry) => gk.group === undefined || e.gvk.group === gk.group;
    let hits = this.#entries.filter((e) => inGroup(e) && e.gvk.kind === gk.kind);
    if (hits.length === 0)
      hits = this.#entries.filter((e) => inGroup(e) && lower(e.gvk.kind) === lower(gk.kind));
    if (wanted.length > 0) {
      hits = hits
        .filter((e) => wanted.includes(e.gvk.version))
        .sort(
          (a, b) => wanted.indexOf(a.gvk.version) - wanted.indexOf(b.gvk.version) || a.priority - b.priority,
        );
    } else {
      hits.sort((a, b) => a.priority - b.priority);
    }
    return hits.map(mappingOf);
  }

  /** The preferred mapping of a kind: which resource serves it, in which version, with which scope. */
  restMapping(gk: GroupKind, ...versions: string[]): RESTMapping {
    const hit = this.restMappings(gk, ...versions)[0];
    if (hit === undefined) {
      const v = versions.filter((x) => x !== "");
      throw this.#noMatch(
        describe({ group: gk.group, version: v.length > 0 ? v.join("|") : undefined }, `kind "${gk.kind}"`),
        gk.group,
        v,
        v.length === 0 ? [] : this.restMappings(gk).map((m) => ({ gvk: m.groupVersionKind })),
      );
    }
    return hit;
  }

  /**
   * What `kubectl get <arg>` works on (cli-runtime's mappingFor): the argument as a resource first
   * ("po", "deploy.apps", "deployments.v1.apps": resource.version.group, then resource.group), else
   * as a kind ("CronTab.stable.example.com", "CronTab.v1.stable.example.com"; a kind without a group
   * is looked up in the core group only, as kubectl does). The kind matches as written or in lower
   * case, a short name as written; "core" is no group. Throws UnknownResourceTypeError (a NoMatchError)
   * with kubectl's text when nothing matches, a TypeError when the argument names no resource ("", ".apps").
   */
  mappingFor(arg: string): RESTMapping {
    const { gvr, groupResource } = parseResourceArg(arg);
    // Nothing to look up (kubectl never gets here: it drops empty arguments); asking discovery cannot help.
    if (groupResource.resource === "")
      throw new TypeError(
        `no resource type in ${JSON.stringify(arg)}: expected resource[.version.group], e.g. pods or deployments.v1.apps`,
      );
    for (const p of gvr === undefined ? [groupResource] : [gvr, groupResource]) {
      const hit = this.#matchResource(p, true)[0];
      if (hit !== undefined) return mappingOf(hit);
    }
    const { gvk, groupKind } = parseKindArg(arg);
    const asKind = (group: string, kind: string, versions: string[]) =>
      this.restMappings({ group, kind }, ...versions).find(
        (m) => m.groupVersionKind.kind === kind || kind === lower(m.groupVersionKind.kind),
      );
    const hit =
      (gvk === undefined ? undefined : asKind(gvk.group, gvk.kind, [gvk.version])) ??
      asKind(groupKind.group, groupKind.kind, []);
    if (hit !== undefined) return hit;
    throw new UnknownResourceTypeError(groupResource.resource, [...this.#unavailable.keys()]);
  }

  /** The singular name of a resource ("pods" → "pod"). */
  resourceSingularizer(resource: string): string {
    const hit = this.#matchResource({ resource })[0];
    if (hit === undefined) throw new NoMatchError(`resource "${resource}"`);
    return hit.singular;
  }

  /** A short name to its resource ("deploy" → "deployments"); anything else comes back unchanged. */
  expandShortName(name: string): string {
    const n = lower(name);
    const hit = this.#entries
      .filter((e) => e.shortNames.includes(n))
      .sort((a, b) => a.priority - b.priority)[0];
    return hit === undefined ? name : hit.gvr.resource;
  }
}

/**
 * A RESTMapper that reads discovery on first use and, when a lookup finds nothing, invalidates the
 * discovery cache and reloads once before giving up (client-go's DeferredDiscoveryRESTMapper).
 */
export class DeferredRESTMapper {
  readonly discovery: DiscoveryClient;
  #mapper: Promise<RESTMapper> | undefined;

  constructor(discovery: DiscoveryClient) {
    this.discovery = discovery;
  }

  /** Drops the loaded mapping and the discovery cache. */
  reset(): void {
    this.#mapper = undefined;
    this.discovery.invalidate();
  }

  /** Mappings whose discovery has been read: what a lookup starting later finds there may be stale. */
  readonly #read = new WeakSet<Promise<RESTMapper>>();

  #load(): Promise<RESTMapper> {
    if (this.#mapper === undefined) {
      // Always from the server (the discovery client may hold an older snapshot): a lookup waiting
      // for this load and missing on it need not read discovery again.
      this.discovery.invalidate();
      const p = RESTMapper.fromDiscovery(this.discovery);
      this.#mapper = p;
      p.then(
        () => this.#read.add(p),
        () => {
          if (this.#mapper === p) this.#mapper = undefined;
        },
      );
    }
    return this.#mapper;
  }

  /**
   * `fn` on the loaded mapping; again on reloaded discovery if it found nothing (NoMatchError or `[]`)
   * and the mapping was read before this lookup began (a CRD may have been installed since). A lookup
   * that waited for the mapping to be read takes its answer, as kubectl re-discovers only a cache it
   * did not just read. Lookups that missed on the same mapping share one reload.
   */
  async #withReload<R>(fn: (m: RESTMapper) => R): Promise<R> {
    const loaded = this.#load();
    const readBefore = this.#read.has(loaded);
    try {
      const found = fn(await loaded);
      if (!Array.isArray(found) || found.length > 0 || !readBefore) return found;
    } catch (err) {
      if (!isNoMatchError(err) || !readBefore) throw err;
    }
    if (this.#mapper === loaded) this.reset();
    return fn(await this.#load());
  }

  mapper(): Promise<RESTMapper> {
    return this.#load();
  }
  kindFor(p: PartialGroupVersionResource): Promise<GroupVersionKind> {
    return this.#withReload((m) => m.kindFor(p));
  }
  kindsFor(p: PartialGroupVersionResource): Promise<GroupVersionKind[]> {
    return this.#withReload((m) => m.kindsFor(p));
  }
  resourceFor(p: PartialGroupVersionResource): Promise<GroupVersionResource> {
    return this.#withReload((m) => m.resourceFor(p));
  }
  resourcesFor(p: PartialGroupVersionResource): Promise<GroupVersionResource[]> {
    return this.#withReload((m) => m.resourcesFor(p));
  }
  restMapping(gk: GroupKind, ...versions: string[]): Promise<RESTMapping> {
    return this.#withReload((m) => m.restMapping(gk, ...versions));
  }
  restMappings(gk: GroupKind, ...versions: string[]): Promise<RESTMapping[]> {
    return this.#withReload((m) => m.restMappings(gk, ...versions));
  }
  resourceSingularizer(resource: string): Promise<string> {
    return this.#withReload((m) => m.resourceSingularizer(resource));
  }
  mappingFor(arg: string): Promise<RESTMapping> {
    return this.#withReload((m) => m.mappingFor(arg));
  }
}

/**
 * The resources of a category from discovery (client-go's restmapper.NewDiscoveryCategoryExpander):
 * `expand("all")` is what `kubectl get all` gets.
 */
export class DiscoveryCategoryExpander {
  readonly discovery: DiscoveryClient;

  constructor(discovery: DiscoveryClient) {
    this.discovery = discovery;
  }

  /**
   * The groups of the discovery snapshot this expander itself read again (the client hands out one
   * array per snapshot): a miss on that snapshot is an answer, not a reason to read discovery again.
   */
  #reread: readonly APIGroup[] | undefined;

  /**
   * The resources in `category`, each once, in discovery order; undefined when none is in it. A
   * category no resource is in makes discovery be read again, once per snapshot (a CRD installed
   * since), as `kubectl get <category>` does with a discovery cache that does not know it. Asking
   * about words that are no category (kubectl asks it of every argument) costs one re-read, not one
   * per call.
   */
  async expand(category: string, opts?: CallOptions): Promise<GroupResource[] | undefined> {
    const cached = await this.#expand(category, opts);
    if (cached.found !== undefined || cached.groups === this.#reread) return cached.found;
    this.discovery.invalidate();
    const again = await this.#expand(category, opts);
    this.#reread = again.groups;
    return again.found;
  }

  async #expand(
    category: string,
    opts: CallOptions | undefined,
  ): Promise<{ found: GroupResource[] | undefined; groups: readonly APIGroup[] }> {
    const { groups, resources } = await this.discovery.serverGroupsAndResources(opts);
    const out: GroupResource[] = [];
    for (const list of resources) {
      const { group } = parseGroupVersion(list.groupVersion);
      for (const r of list.resources) {
        if (!r.categories?.includes(category)) continue;
        if (!out.some((x) => x.group === group && x.resource === r.name))
          out.push({ group, resource: r.name });
      }
    }
    return { found: out.length > 0 ? out : undefined, groups };
  }
}
