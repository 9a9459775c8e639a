// Discovery documents of the fake server, built from the resources it serves: /api, /apis (legacy
// and aggregated, apidiscovery.k8s.io/v2), /api/v1, /apis/<group>[/<version>], /version, and the
// OpenAPI documents when the server was given a spec.
import { groupVersionString } from "../discovery/index.js";
import type { FakeResource } from "./resources.js";
import type { FakeResponse, FakeServer } from "./server.js";
import { pathNotFound } from "./status.js";

/** Which discovery or OpenAPI document a path asks for. */
export type DiscoveryRoute =
  | { kind: "api" }
  | { kind: "apis" }
  | { kind: "group"; group: string }
  | { kind: "groupVersion"; group: string; version: string }
  | { kind: "version" }
  | { kind: "health" }
  | { kind: "openapi"; path: string };

/** The discovery route of a path, or undefined for resource paths. */
export function discoveryRoute(path: string): DiscoveryRoute | undefined {
  const p = path.replace(/\/+$/, "");
  const parts = p.split("/").filter((x) => x !== "");
  if (p === "/version") return { kind: "version" };
  if (p === "/healthz" || p === "/livez" || p === "/readyz") return { kind: "health" };
  if (parts[0] === "openapi") return { kind: "openapi", path: p };
  if (parts[0] === "api") {
    if (parts.length === 1) return { kind: "api" };
    if (parts.length === 2) return { kind: "groupVersion", group: "", version: parts[1]! };
    return undefined;
  }
  if (parts[0] === "apis") {
    if (parts.length === 1) return { kind: "apis" };
    if (parts.length === 2) return { kind: "group", group: parts[1]! };
    if (parts.length === 3) return { kind: "groupVersion", group: parts[1]!, version: parts[2]! };
    return undefined;
  }
  return { kind: "health" };
}

const aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Groups in the order the API server lists them (core first, then by name), with their versions. */
function groups(server: FakeServer): Map<string, { versions: string[]; resources: FakeResource[] }> {
  const out = new Map<string, { versions: string[]; resources: FakeResource[] }>();
  for (const r of server.resources()) {
    let g = out.get(r.group);
    if (g === undefined) {
      g = { versions: [], resources: [] };
      out.set(r.group, g);
    }
    g.resources.push(r);
    for (const v of r.versions) if (!g.versions.includes(v)) g.versions.push(v);
  }
  for (const g of out.values()) {
    g.versions.sort((a, b) => rank(b) - rank(a));
    g.resources.sort((a, b) => (a.resource < b.resource ? -1 : 1));
  }
  return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function rank(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (m === null) return 0;
  return (m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1) * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

function apiResources(rs: FakeResource[], version: string): unknown[] {
  const out: unknown[] = [];
  for (const r of rs) {
    if (!r.versions.includes(version)) continue;
    const e: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames !== undefined) e.shortNames = r.shortNames;
    if (r.categories !== undefined) e.categories = r.categories;
    out.push(e);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = {
        name: `${r.resource}/${s.name}`,
        singularName: "",
        namespaced: r.namespaced,
        kind: s.kind?.kind ?? r.kind,
        verbs: s.verbs,
      };
      if (s.kind !== undefined) {
        sub.group = s.kind.group;
        sub.version = s.kind.version;
      }
      out.push(sub);
    }
  }
  return out;
}

function aggregatedResources(rs: FakeResource[], group: string, version: string): unknown[] {
  return rs
    .filter((r) => r.versions.includes(version))
    .map((r) => {
      const e: Record<string, unknown> = {
        resource: r.resource,
        responseKind: { group, version, kind: r.kind },
        scope: r.namespaced ? "Namespaced" : "Cluster",
        singularResource: r.singular,
        verbs: r.verbs,
      };
      if (r.shortNames !== undefined) e.shortNames = r.shortNames;
      if (r.categories !== undefined) e.categories = r.categories;
      if (r.subresources.length > 0) {
        e.subresources = r.subresources.map((s) => ({
          subresource: s.name,
          responseKind: s.kind ?? { group, version, kind: r.kind },
          verbs: s.verbs,
        }));
      }
      return e;
    });
}

function aggregated(server: FakeServer, core: boolean): FakeResponse {
  const items: unknown[] = [];
  for (const [name, g] of groups(server)) {
    if ((name === "") !== core) continue;
    items.push({
      metadata: { name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: aggregatedResources(g.resources, name, v),
        freshness: "Current",
      })),
    });
  }
  return {
    code: 200,
    contentType: aggregatedContentType,
    body: { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items },
  };
}

function apiGroup(name: string, versions: string[]): unknown {
  const vs = versions.map((v) => ({ groupVersion: groupVersionString(name, v), version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** Answers a discovery request. */
export function discoveryDocument(server: FakeServer, route: DiscoveryRoute, accept: string): FakeResponse {
  const wantsAggregated = accept.includes("as=APIGroupDiscoveryList");
  switch (route.kind) {
    case "version": {
      const m = /^v(\d+)\.(\d+)/.exec(server.version);
      return {
        code: 200,
        body: {
          major: m?.[1] ?? "1",
          minor: m?.[2] ?? "36",
          gitVersion: server.version,
          gitCommit: "",
          gitTreeState: "clean",
          buildDate: "",
          goVersion: "",
          compiler: "",
          platform: `${process.platform}/${process.arch}`,
        },
      };
    }
    case "health":
      return { code: 200, body: "ok", contentType: "text/plain; charset=utf-8" };
    case "api":
      if (wantsAggregated) return aggregated(server, true);
      return {
        code: 200,
        body: {
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:0" }],
        },
      };
    case "apis": {
      if (wantsAggregated) return aggregated(server, false);
      const list: unknown[] = [];
      for (const [name, g] of groups(server)) if (name !== "") list.push(apiGroup(name, g.versions));
      return { code: 200, body: { kind: "APIGroupList", apiVersion: "v1", groups: list } };
    }
    case "group": {
      const g = groups(server).get(route.group);
      if (g === undefined || route.group === "") throw pathNotFound();
      return {
        code: 200,
        body: { kind: "APIGroup", apiVersion: "v1", ...(apiGroup(route.group, g.versions) as object) },
      };
    }
    case "groupVersion": {
      const g = groups(server).get(route.group);
      if (g === undefined || !g.versions.includes(route.version)) throw pathNotFound();
      return {
        code: 200,
        body: {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: groupVersionString(route.group, route.version),
          resources: apiResources(g.resources, route.version),
        },
      };
    }
    case "openapi": {
      const doc = server.openapi?.(route.path);
      if (doc === undefined) throw pathNotFound();
      return { code: 200, body: doc };
    }
  }
}
