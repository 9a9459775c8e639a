// What the fake serves: one entry per group/resource, built from the generated descriptors table
// (scope, kind, verbs, subresources) and from the CRDs created in it. Field-selector support per
// resource is server behaviour (each registry's GetAttrs), not part of the spec, so it is listed here.
import type { GroupVersionDescriptor } from "../runtime/descriptor.js";

/** A subresource the fake serves ("status", "scale", ...). */
export interface FakeSubresource {
  name: string;
  /** HTTP-level verbs: get, create, update, patch. */
  verbs: readonly string[];
  kind?: { group: string; version: string; kind: string };
}

/** One served resource (all its versions share one store, as in the API server). */
export interface FakeResource {
  group: string;
  /** Served versions, the preferred first. */
  versions: string[];
  kind: string;
  listKind: string;
  /** Plural, the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  /** Discovery verbs: create, delete, deletecollection, get, list, patch, update, watch. */
  verbs: string[];
  subresources: FakeSubresource[];
  shortNames?: string[];
  categories?: string[];
  /** The CRD this resource comes from, when it is a custom resource. */
  crd?: string;
  /** Extra field selectors (besides metadata.name / metadata.namespace), as JSON paths. */
  selectableFields: Readonly<Record<string, (obj: Obj) => string>>;
}

/** Any stored object. */
// biome-ignore lint/suspicious/noExplicitAny: objects of every kind
export type Obj = Record<string, any>;

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `o[k]` when `k` is o's own property: a user's field, label or data key such as `constructor` or
 * `__proto__` is not Object.prototype's member.
 */
// biome-ignore lint/suspicious/noExplicitAny: the value of any field
export function own(o: Obj, k: string): any {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** `o[k] = v` as an own property (for `__proto__` too, which an assignment would make the prototype). */
export function put(o: Obj, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

const verbMap: Record<string, string> = {
  create: "create",
  update: "update",
  delete: "delete",
  deleteCollection: "deletecollection",
  get: "get",
  list: "list",
  watch: "watch",
  patch: "patch",
  apply: "patch",
};
const verbOrder = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** A field read as the server does for field selectors (empty string when absent). */
function str(path: string): (obj: Obj) => string {
  const parts = path.split(".");
  return (obj) => {
    let v: unknown = obj;
    for (const p of parts) v = v === null || typeof v !== "object" ? undefined : own(v as Obj, p);
    if (v === undefined || v === null) return "";
    return String(v);
  };
}

function fields(...paths: string[]): Record<string, (obj: Obj) => string> {
  return Object.fromEntries(paths.map((p) => [p, str(p)]));
}

/** Field selectors per group/resource beyond metadata.name and metadata.namespace (kube-apiserver 1.36). */
const selectable: Record<string, Record<string, (obj: Obj) => string>> = {
  "/pods": {
    ...fields(
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ),
    "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
    "status.podIPs": (o) => (o.status?.podIPs ?? []).map((p: { ip: string }) => p.ip).join(","),
  },
  "/events": {
    ...fields(
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "type",
    ),
    source: (o) => o.source?.component ?? o.reportingComponent ?? "",
  },
  "/secrets": fields("type"),
  "/namespaces": fields("status.phase"),
  "/nodes": { "spec.unschedulable": (o) => String(o.spec?.unschedulable === true) },
  "/replicationcontrollers": fields("status.replicas"),
  "batch/jobs": fields("status.successful"),
  "certificates.k8s.io/certificatesigningrequests": fields("spec.signerName"),
  "/services": fields("spec.clusterIP", "spec.type"),
};

/** Short names and categories the registries declare (kube-apiserver 1.36 discovery), not in the spec. */
const aliases: Record<string, { shortNames?: string[]; categories?: string[] }> = {
  "/componentstatuses": { shortNames: ["cs"] },
  "/configmaps": { shortNames: ["cm"] },
  "/endpoints": { shortNames: ["ep"] },
  "/events": { shortNames: ["ev"] },
  "/limitranges": { shortNames: ["limits"] },
  "/namespaces": { shortNames: ["ns"] },
  "/nodes": { shortNames: ["no"] },
  "/persistentvolumeclaims": { shortNames: ["pvc"] },
  "/persistentvolumes": { shortNames: ["pv"] },
  "/pods": { shortNames: ["po"], categories: ["all"] },
  "/replicationcontrollers": { shortNames: ["rc"], categories: ["all"] },
  "/resourcequotas": { shortNames: ["quota"] },
  "/serviceaccounts": { shortNames: ["sa"] },
  "/services": { shortNames: ["svc"], categories: ["all"] },
  "apps/daemonsets": { shortNames: ["ds"], categories: ["all"] },
  "apps/deployments": { shortNames: ["deploy"], categories: ["all"] },
  "apps/replicasets": { shortNames: ["rs"], categories: ["all"] },
  "apps/statefulsets": { shortNames: ["sts"], categories: ["all"] },
  "batch/cronjobs": { shortNames: ["cj"], categories: ["all"] },
  "batch/jobs": { categories: ["all"] },
  "autoscaling/horizontalpodautoscalers": { shortNames: ["hpa"], categories: ["all"] },
  "policy/poddisruptionbudgets": { shortNames: ["pdb"] },
  "networking.k8s.io/ingresses": { shortNames: ["ing"] },
  "networking.k8s.io/ipaddresses": { shortNames: ["ip"] },
  "networking.k8s.io/networkpolicies": { shortNames: ["netpol"] },
  "storage.k8s.io/storageclasses": { shortNames: ["sc"] },
  "storage.k8s.io/volumeattributesclasses": { shortNames: ["vac"] },
  "apiextensions.k8s.io/customresourcedefinitions": {
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
  },
  "scheduling.k8s.io/priorityclasses": { shortNames: ["pc"] },
  "certificates.k8s.io/certificatesigningrequests": { shortNames: ["csr"] },
  "events.k8s.io/events": { shortNames: ["ev"] },
};

const versionRank = (v: string): number => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (m === null) return 0;
  const major = Number(m[1]);
  const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
  return stage * 1e6 + major * 1e3 + Number(m[3] ?? 0);
};

/** Sorts versions as the API server prefers them: GA, then beta, then alpha, higher first. */
export function sortVersions(vs: string[]): string[] {
  return [...new Set(vs)].sort((a, b) => versionRank(b) - versionRank(a));
}

/** The store key of a resource: "apps/deployments", "/pods" (core). */
export function resourceKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** The resources of the generated descriptors table, keyed by group/resource. */
export function resourcesFromDescriptors(
  groupVersions: Readonly<Record<string, GroupVersionDescriptor>>,
): Map<string, FakeResource> {
  const out = new Map<string, FakeResource>();
  for (const gv of Object.values(groupVersions)) {
    for (const d of Object.values(gv.resources)) {
      const key = resourceKey(d.group, d.resource);
      let r = out.get(key);
      if (r === undefined) {
        r = {
          group: d.group,
          versions: [],
          kind: d.kind,
          listKind: d.listKind,
          resource: d.resource,
          singular: d.kind.toLowerCase(),
          namespaced: d.namespaced,
          verbs: [],
          subresources: [],
          selectableFields: selectable[key] ?? {},
        };
        const a = aliases[key];
        if (a?.shortNames !== undefined) r.shortNames = [...a.shortNames];
        if (a?.categories !== undefined) r.categories = [...a.categories];
        out.set(key, r);
      }
      r.versions = sortVersions([...r.versions, d.version]);
      const verbs = new Set(r.verbs);
      for (const v of d.verbs) if (verbMap[v] !== undefined) verbs.add(verbMap[v]);
      r.verbs = verbOrder.filter((v) => verbs.has(v));
      for (const s of d.subresources) {
        if (r.subresources.some((x) => x.name === s.name)) continue;
        const sub: FakeSubresource = { name: s.name, verbs: [...s.verbs] };
        if (s.kind !== undefined) sub.kind = { ...s.kind };
        r.subresources.push(sub);
      }
    }
  }
  return out;
}

/** Whether the resource has a status subresource (then update ignores status, updateStatus only sets it). */
export function hasStatus(r: FakeResource): boolean {
  return r.subresources.some((s) => s.name === "status");
}

/** What an update must change to bump metadata.generation, as a registry's PrepareForUpdate compares it. */
type GenerationPart = (o: Obj) => unknown;
const specField: GenerationPart = (o) => o.spec;

/**
 * The built-in registries that set metadata.generation to 1 on create (their PrepareForCreate) and
 * what bumps it on a write of the main resource; `create: false` where only updates bump it (a
 * create keeps a generation it is sent, as everywhere else).
 */
const generations: Record<string, { create: boolean; part: GenerationPart }> = {
  "/pods": { create: true, part: specField },
  "/podtemplates": { create: true, part: (o) => o.template },
  "/replicationcontrollers": { create: true, part: specField },
  "admissionregistration.k8s.io/mutatingadmissionpolicies": { create: true, part: specField },
  "admissionregistration.k8s.io/mutatingadmissionpolicybindings": { create: true, part: specField },
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": { create: true, part: (o) => o.webhooks },
  "admissionregistration.k8s.io/validatingadmissionpolicies": { create: true, part: specField },
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": { create: true, part: specField },
  "admissionregistration.k8s.io/validatingwebhookconfigurations": { create: true, part: (o) => o.webhooks },
  "apiextensions.k8s.io/customresourcedefinitions": { create: true, part: specField },
  "apps/daemonsets": { create: true, part: specField },
  // The deployment controller reads its annotations (rollback, revision) as part of the spec.
  "apps/deployments": { create: true, part: (o) => [o.spec, o.metadata?.annotations] },
  "apps/replicasets": { create: true, part: specField },
  "apps/statefulsets": { create: true, part: specField },
  "batch/cronjobs": { create: true, part: specField },
  "batch/jobs": { create: true, part: specField },
  // An EndpointSlice has no spec: everything but its metadata counts, and its labels.
  "discovery.k8s.io/endpointslices": {
    create: true,
    part: ({ metadata, ...rest }) => [rest, metadata?.labels],
  },
  "flowcontrol.apiserver.k8s.io/flowschemas": { create: true, part: specField },
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": { create: true, part: specField },
  "networking.k8s.io/ingressclasses": { create: true, part: specField },
  "networking.k8s.io/ingresses": { create: true, part: specField },
  "networking.k8s.io/networkpolicies": { create: true, part: specField },
  "policy/poddisruptionbudgets": { create: true, part: specField },
  "resource.k8s.io/deviceclasses": { create: true, part: specField },
  "resource.k8s.io/devicetaintrules": { create: true, part: specField },
  "resource.k8s.io/resourceslices": { create: true, part: specField },
  // Its PrepareForUpdate is empty: the generation stays 1.
  "scheduling.k8s.io/priorityclasses": { create: true, part: () => undefined },
  "storage.k8s.io/csidrivers": { create: false, part: specField },
};

/**
 * A custom resource's strategy sets generation 1 and bumps it on any change but to metadata, and
 * but to status where a status subresource writes it.
 */
function customPart(r: FakeResource): GenerationPart {
  const statusApart = hasStatus(r);
  return ({ metadata: _m, status, ...rest }) => (statusApart ? rest : [rest, status]);
}

/** Whether a create sets metadata.generation to 1 (else it keeps one it is sent). */
export function setsGeneration(r: FakeResource): boolean {
  return r.crd !== undefined || generations[resourceKey(r.group, r.resource)]?.create === true;
}

/**
 * What of an object a write of the main resource (or its scale) must change to bump its generation;
 * undefined where the registry never bumps it.
 */
export function generationPart(r: FakeResource): GenerationPart | undefined {
  if (r.crd !== undefined) return customPart(r);
  return generations[resourceKey(r.group, r.resource)]?.part;
}

/**
 * Registries whose strategy allows create on update (AllowCreateOnUpdate): a PUT of a missing
 * object creates it. A custom resource's does not.
 */
const createOnUpdate = new Set([
  "/endpoints",
  "/events",
  "/limitranges",
  "/services",
  "coordination.k8s.io/leasecandidates",
  "coordination.k8s.io/leases",
  "events.k8s.io/events",
  "node.k8s.io/runtimeclasses",
  "rbac.authorization.k8s.io/clusterrolebindings",
  "rbac.authorization.k8s.io/clusterroles",
  "rbac.authorization.k8s.io/rolebindings",
  "rbac.authorization.k8s.io/roles",
]);

export function createsOnUpdate(r: FakeResource): boolean {
  return r.crd === undefined && createOnUpdate.has(resourceKey(r.group, r.resource));
}

/** A FakeResource for one CRD (apiextensions.k8s.io/v1 CustomResourceDefinition), or undefined if it serves nothing. */
export function resourceFromCRD(crd: Obj): FakeResource | undefined {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const served = (spec.versions ?? []).filter((v: Obj) => v.served);
  if (served.length === 0 || typeof names.plural !== "string") return undefined;
  const versions = sortVersions(served.map((v: Obj) => v.name as string));
  const first = served.find((v: Obj) => v.name === versions[0]) ?? served[0];
  const subs: FakeSubresource[] = [];
  if (first.subresources?.status !== undefined)
    subs.push({ name: "status", verbs: ["get", "patch", "update"] });
  if (first.subresources?.scale !== undefined) {
    subs.push({
      name: "scale",
      verbs: ["get", "patch", "update"],
      kind: { group: "autoscaling", version: "v1", kind: "Scale" },
    });
  }
  const sel: Record<string, (obj: Obj) => string> = {};
  for (const f of first.selectableFields ?? []) {
    const path = String(f.jsonPath ?? "").replace(/^\./, "");
    if (path) sel[path] = str(path);
  }
  const r: FakeResource = {
    group: spec.group,
    versions,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    resource: names.plural,
    singular: names.singular ?? String(names.kind).toLowerCase(),
    namespaced: spec.scope !== "Cluster",
    verbs: [...verbOrder],
    subresources: subs,
    crd: crd.metadata?.name,
    selectableFields: sel,
  };
  if (Array.isArray(names.shortNames)) r.shortNames = [...names.shortNames];
  if (Array.isArray(names.categories)) r.categories = [...names.categories];
  return r;
}
