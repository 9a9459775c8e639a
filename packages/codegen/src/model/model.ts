// Pure: Spec → ApiModel. Everything the emitters need, decided here: which types exist and where they
// live, which group-versions and resources exist, their scope, exact verbs and subresources.
import type { GroupVersionKind, Operation, Schema, Spec } from "../load/spec.js";
import { SpecError } from "../load/spec.js";
import {
  compareVersions,
  DeclaredNames,
  definitionModule,
  groupMethodNames,
  type NameOwner,
  resourceGetter,
  upperFirst,
} from "./names.js";
import {
  SUBRESOURCE_METHODS,
  SUBRESOURCES_WITHOUT_ROWS,
  type SubresourceMethodVerb,
} from "./subresources.js";

/** Verbs on the resource itself, in client-go's names and order. */
export const VERBS = [
  "create",
  "update",
  "updateStatus",
  "delete",
  "deleteCollection",
  "get",
  "list",
  "watch",
  "patch",
  "apply",
  "applyStatus",
] as const;
export type Verb = (typeof VERBS)[number];

export type SubresourceVerb = "get" | "create" | "update" | "patch" | "connect";
const SUB_VERB_ORDER: readonly SubresourceVerb[] = ["get", "create", "update", "patch", "connect"];

export interface TypeRef {
  /** api-types module: "core/v1" */
  module: string;
  /** exported name: "Pod" */
  name: string;
}

export interface TypeDecl {
  definition: string;
  module: string;
  name: string;
  schema: Schema;
  /** Set for definitions of exactly one group-version-kind: apiVersion and kind become literals. */
  gvk?: { apiVersion: string; kind: string };
  /** Emit `<name>ApplyConfiguration` (kinds with ObjectMeta metadata). */
  apply: boolean;
}

export interface TypeModule {
  path: string;
  decls: TypeDecl[];
}

export interface SubresourceModel {
  name: string;
  verbs: SubresourceVerb[];
  /** exec, attach, portforward, proxy: kept for streaming clients, no generated methods. */
  connect: boolean;
  /** Body/response kind when it differs from the parent's (autoscaling/v1 Scale ...). */
  kind?: GroupVersionKind;
  requestType?: TypeRef;
  /** The response: a type, or "string" (pods/log). */
  responseType?: TypeRef | "string";
  /** Apply configuration of the request kind, when the subresource accepts server-side apply. */
  applyType?: TypeRef;
  /** Whether a patch accepts application/apply-patch+yaml. */
  apply: boolean;
  /** Its rows of SUBRESOURCE_METHODS the spec serves, by method name (status: none, it adds resource verbs). */
  methods: string[];
}

export interface ResourceModel {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural resource name (URL segment). */
  resource: string;
  namespaced: boolean;
  verbs: Verb[];
  /** Getter on the group interface: "pods", "csiDrivers". */
  getter: string;
  /** "PodInterface" */
  interfaceName: string;
  type?: TypeRef;
  listType?: TypeRef;
  applyType?: TypeRef;
  subresources: SubresourceModel[];
}

export interface GroupVersionModel {
  group: string;
  version: string;
  /** Clientset method: "coreV1" */
  method: string;
  /** "CoreV1Interface" */
  interfaceName: string;
  /** Module path of its generated file and expansions: "core/v1" */
  path: string;
  resources: ResourceModel[];
}

export interface ApiModel {
  source: string;
  typeModules: TypeModule[];
  groupVersions: GroupVersionModel[];
  /** Non-connect subresources that have no client method (unknown names); reported, not dropped. */
  unmapped: string[];
}

const APPLY_PATCH = "application/apply-patch+yaml";

interface ParsedPath {
  group: string;
  version: string;
  namespaced: boolean;
  watch: boolean;
  plural: string;
  item: boolean;
  sub?: string;
}

/** "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale" → its coordinates. */
export function parsePath(path: string): ParsedPath | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ? "" : m[2]!;
  const version = m[1] ?? m[3]!;
  let segs = m[4]!.split("/").filter((s) => s !== "");
  let watch = false;
  if (segs[0] === "watch") {
    watch = true;
    segs = segs.slice(1);
  }
  let namespaced = false;
  if (segs[0] === "namespaces" && segs[1] === "{namespace}" && segs.length >= 3) {
    namespaced = true;
    segs = segs.slice(2);
  }
  const plural = segs[0];
  if (plural === undefined || plural.startsWith("{")) return undefined;
  const out: ParsedPath = { group, version, namespaced, watch, plural, item: segs.length >= 2 };
  if (segs.length >= 3 && segs[2]) out.sub = segs[2];
  return out;
}

function gvkKey(g: GroupVersionKind): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

function singleGvk(schema: Schema): GroupVersionKind | undefined {
  const list = schema["x-kubernetes-group-version-kind"];
  if (!Array.isArray(list) || list.length !== 1) return undefined;
  const g = list[0] as Record<string, unknown>;
  if (typeof g.kind !== "string") return undefined;
  return { group: String(g.group ?? ""), version: String(g.version ?? ""), kind: g.kind };
}

function isObjectMetaRef(schema: unknown): boolean {
  const ref = (schema as Record<string, unknown> | undefined)?.$ref;
  return typeof ref === "string" && ref.endsWith(".ObjectMeta");
}

/** The types part of the model: every definition, placed in its module. */
export function modelTypes(spec: Spec): { modules: TypeModule[]; byDefinition: Map<string, TypeDecl> } {
  const modules = new Map<string, TypeModule>();
  const byDefinition = new Map<string, TypeDecl>();
  const taken = new Map<string, string>();
  for (const [definition, schema] of Object.entries(spec.schemas)) {
    const { module, name } = definitionModule(definition);
    const key = `${module}:${name}`;
    const other = taken.get(key);
    if (other !== undefined) {
      throw new SpecError(
        `definitions ${other} and ${definition} would both be exported as ${name} from ${module}`,
      );
    }
    taken.set(key, definition);
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    const gvk = singleGvk(schema);
    const decl: TypeDecl = { definition, module, name, schema, apply: false };
    if (gvk && "apiVersion" in props && "kind" in props) {
      decl.gvk = {
        apiVersion: gvk.group === "" ? gvk.version : `${gvk.group}/${gvk.version}`,
        kind: gvk.kind,
      };
      decl.apply = isObjectMetaRef(props.metadata);
    }
    let mod = modules.get(module);
    if (!mod) {
      mod = { path: module, decls: [] };
      modules.set(module, mod);
    }
    mod.decls.push(decl);
    byDefinition.set(definition, decl);
  }
  const sorted = [...modules.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const m of sorted) m.decls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { modules: sorted, byDefinition };
}

interface ResourceOps {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  ops: { op: Operation; path: ParsedPath }[];
}

export function buildModel(spec: Spec): ApiModel {
  const { modules, byDefinition } = modelTypes(spec);
  const gvkToDef = new Map<string, string>();
  for (const [def, schema] of Object.entries(spec.schemas)) {
    const gvk = singleGvk(schema);
    if (gvk && !gvkToDef.has(gvkKey(gvk))) gvkToDef.set(gvkKey(gvk), def);
  }
  const ref = (def: string | undefined): TypeRef | undefined => {
    const d = def === undefined ? undefined : byDefinition.get(def);
    return d ? { module: d.module, name: d.name } : undefined;
  };
  const applyRef = (def: string | undefined): TypeRef | undefined => {
    const d = def === undefined ? undefined : byDefinition.get(def);
    return d?.apply ? { module: d.module, name: `${d.name}ApplyConfiguration` } : undefined;
  };

  // Group operations by resource.
  const resources = new Map<string, ResourceOps>();
  for (const op of spec.operations) {
    const path = parsePath(op.path);
    if (!path) continue;
    const key = `${path.group}/${path.version}/${path.plural}`;
    let r = resources.get(key);
    if (!r) {
      r = { group: path.group, version: path.version, plural: path.plural, namespaced: false, ops: [] };
      resources.set(key, r);
    }
    if (path.namespaced) r.namespaced = true;
    r.ops.push({ op, path });
  }

  // CRD documents leave out the deprecated /watch/ paths; there a list that takes `watch` means watch.
  const gvsWithWatchPaths = new Set<string>();
  for (const r of resources.values()) {
    if (r.ops.some((o) => o.path.watch)) gvsWithWatchPaths.add(`${r.group}/${r.version}`);
  }
  const unmapped: string[] = [];
  const gvs = new Map<string, { group: string; version: string; resources: ResourceModel[] }>();
  for (const r of resources.values()) {
    const main = r.ops.filter((o) => o.path.sub === undefined);
    const gvkOp = main.find((o) => o.op.gvk)?.op.gvk ?? r.ops.find((o) => o.op.gvk)?.op.gvk;
    if (!gvkOp) continue; // discovery-only paths
    const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: gvkOp.kind };
    const verbs = new Set<Verb>();
    let typeDef = gvkToDef.get(gvkKey(gvk));
    let listDef: string | undefined;
    for (const { op, path } of main) {
      if (path.watch) {
        if (op.action === "watch" || op.action === "watchlist") verbs.add("watch");
        continue;
      }
      if (!path.item) {
        if (op.action === "list") {
          verbs.add("list");
          listDef = op.responseSchema;
          if (!gvsWithWatchPaths.has(`${r.group}/${r.version}`) && op.query?.includes("watch"))
            verbs.add("watch");
        } else if (op.action === "post") {
          verbs.add("create");
          typeDef ??= op.requestSchema;
        } else if (op.action === "deletecollection") verbs.add("deleteCollection");
      } else {
        if (op.action === "get") {
          verbs.add("get");
          typeDef ??= op.responseSchema;
        } else if (op.action === "put") verbs.add("update");
        else if (op.action === "delete") verbs.add("delete");
        else if (op.action === "patch") {
          verbs.add("patch");
          if (op.consumes.includes(APPLY_PATCH)) verbs.add("apply");
        }
      }
    }
    const subs = new Map<string, { op: Operation; path: ParsedPath }[]>();
    for (const o of r.ops) {
      if (o.path.sub === undefined || o.path.watch) continue;
      const list = subs.get(o.path.sub) ?? [];
      list.push(o);
      subs.set(o.path.sub, list);
    }
    const subresources: SubresourceModel[] = [];
    for (const name of [...subs.keys()].sort()) {
      const ops = subs.get(name)!;
      const sv = new Set<SubresourceVerb>();
      let apply = false;
      for (const { op } of ops) {
        if (op.action === "get") sv.add("get");
        else if (op.action === "post") sv.add("create");
        else if (op.action === "put") sv.add("update");
        else if (op.action === "patch") {
          sv.add("patch");
          if (op.consumes.includes(APPLY_PATCH)) apply = true;
        } else if (op.action === "connect") sv.add("connect");
      }
      const connect = sv.has("connect");
      const writer = ops.find((o) => o.op.action === "post" || o.op.action === "put")?.op;
      const reader = writer ?? ops.find((o) => o.op.action === "get")?.op ?? ops[0]!.op;
      const sub: SubresourceModel = {
        name,
        verbs: SUB_VERB_ORDER.filter((v) => sv.has(v)),
        connect,
        apply,
        methods: [],
      };
      const subGvk = ops.find((o) => o.op.gvk && o.op.action !== "connect")?.op.gvk;
      if (subGvk && gvkKey(subGvk) !== gvkKey(gvk) && !connect) sub.kind = subGvk;
      const req = ref(writer?.requestSchema ?? (sub.kind ? gvkToDef.get(gvkKey(sub.kind)) : undefined));
      if (req) sub.requestType = req;
      const res = reader.responseSchema
        ? ref(reader.responseSchema)
        : reader.responseType === "string"
          ? "string"
          : undefined;
      if (res) sub.responseType = res;
      if (apply) {
        const a = applyRef(writer?.requestSchema ?? reader.responseSchema);
        if (a) sub.applyType = a;
      }
      if (name === "status") {
        if (sv.has("update")) verbs.add("updateStatus");
        if (apply) verbs.add("applyStatus");
      }
      const rows = SUBRESOURCE_METHODS.filter((row) => row.subresource === name);
      const served: Record<SubresourceMethodVerb, boolean> = {
        get: sv.has("get"),
        create: sv.has("create"),
        update: sv.has("update"),
        apply,
        connect,
      };
      for (const row of rows) if (served[row.verb]) sub.methods.push(row.method);
      if (rows.length === 0 && !connect && !(name in SUBRESOURCES_WITHOUT_ROWS)) {
        unmapped.push(`${r.group || "core"}/${r.version} ${r.plural}/${name}`);
      }
      subresources.push(sub);
    }
    const typeRef = ref(typeDef);
    const listRef = ref(listDef);
    const resource: ResourceModel = {
      group: r.group,
      version: r.version,
      kind: gvk.kind,
      listKind: listRef?.name ?? `${gvk.kind}List`,
      resource: r.plural,
      namespaced: r.namespaced,
      verbs: VERBS.filter((v) => verbs.has(v)),
      getter: resourceGetter(gvk.kind, r.plural),
      interfaceName: `${gvk.kind}Interface`,
      subresources,
    };
    if (typeRef) resource.type = typeRef;
    if (listRef) resource.listType = listRef;
    const applyType = applyRef(typeDef);
    if (applyType && (verbs.has("apply") || verbs.has("applyStatus"))) resource.applyType = applyType;
    const gvKey = `${r.group}/${r.version}`;
    let gv = gvs.get(gvKey);
    if (!gv) {
      gv = { group: r.group, version: r.version, resources: [] };
      gvs.set(gvKey, gv);
    }
    gv.resources.push(resource);
  }

  const methods = groupMethodNames([...gvs.values()]);
  const groupVersions: GroupVersionModel[] = [...gvs.values()]
    .map((gv) => {
      gv.resources.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
      const gvText = `${gv.group || "core"}/${gv.version}`;
      const method = methods.get(`${gv.group}/${gv.version}`)!;
      const path = gv.resources.find((x) => x.type)?.type?.module ?? gvText;
      const getters = new DeclaredNames(
        `the ${gvText} client`,
        "rename one of the plurals (spec.names.plural)",
      );
      for (const r of gv.resources)
        getters.add(r.getter, kindOwner(r, `kind ${r.kind}'s getter (${r.resource})`));
      // A kind's client interface is <Kind>Interface, the group-version's <Method>Interface: a kind
      // named like its group-version (kind AV1 of a.example.com/v1) keeps its name, the
      // group-version's interface becomes <Method>GroupInterface.
      let interfaceName = `${upperFirst(method)}Interface`;
      if (gv.resources.some((r) => r.interfaceName === interfaceName))
        interfaceName = `${upperFirst(method)}GroupInterface`;
      const interfaces = new DeclaredNames(`clientset/${path}.ts`);
      interfaces.add(interfaceName, { group: gv.group, version: gv.version, what: `${gvText}'s interface` });
      for (const r of gv.resources)
        interfaces.add(r.interfaceName, kindOwner(r, `kind ${r.kind}'s interface`));
      return { group: gv.group, version: gv.version, method, interfaceName, path, resources: gv.resources };
    })
    .sort((a, b) => compareGroups(a, b));
  // One clientset method and one module per group-version.
  const index = new DeclaredNames("clientset/index.ts");
  const paths = new DeclaredNames("the generated modules");
  for (const gv of groupVersions) {
    const owner = (what: string): NameOwner => ({
      group: gv.group,
      version: gv.version,
      what: `${gv.group || "core"}/${gv.version}'s ${what}`,
    });
    index.add(gv.method, owner("clientset method"));
    index.add(gv.interfaceName, owner("interface"));
    paths.add(gv.path, owner("module"));
  }
  return { source: spec.source, typeModules: modules, groupVersions, unmapped: unmapped.sort() };
}

function kindOwner(r: ResourceModel, what: string): NameOwner {
  return { group: r.group, version: r.version, kind: r.kind, what };
}

function compareGroups(a: { group: string; version: string }, b: { group: string; version: string }): number {
  if (a.group !== b.group) return a.group === "" ? -1 : b.group === "" ? 1 : a.group < b.group ? -1 : 1;
  return compareVersions(a.version, b.version);
}
