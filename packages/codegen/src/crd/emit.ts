// Pure: a CRD model → the files of a user's src/generated/: the types (types/), the typed clients and
// their descriptors (clientset/, the same emitters as the built-in clientset), the fake clientset's
// schema table, the CRDs' data for the RESTMapper and kubectl-style columns (resources.ts) and the
// informer and lister types (informers.ts). Everything declares; @org/clientset behaves.
import { emitClientset } from "../emit/clientset.js";
import { emitInformers } from "../emit/informers.js";
import { emitSchemaTable, SCHEMA_MODULE } from "../emit/schema.js";
import {
  type ConstStructure,
  dataKey,
  type Files,
  header,
  jsonText,
  LINE_WIDTH,
  namedList,
  printFile,
  relativeImport,
} from "../emit/source.js";
import { emitTypes } from "../emit/types.js";
import type { ApiModel } from "../model/model.js";
import { compareVersions, NameClashError } from "../model/names.js";
import { type CrdSpec, type CustomResourceInfo, kindTypeName } from "./spec.js";

/** Where the types go inside the generated directory. */
export const CRD_TYPES_DIR = "types";
/** Where the clients (descriptors, interfaces, index, schema table) go inside the generated directory. */
export const CRD_CLIENTSET_DIR = "clientset";

export interface CrdEmitOptions {
  /** Where the built-in types come from (ObjectMeta, Scale); default "@org/api-types". */
  typesPackage?: string;
  /** The package with the runtime (descriptors, ResourceMethods, newClientset); default "@org/clientset". */
  clientsetPackage?: string;
  /** The informers package the lister types come from; default "@org/informers". */
  informersPackage?: string;
}

const prefixed = (dir: string, files: Files): Files =>
  new Map([...files].map(([path, text]) => [`${dir}/${path}`, text]));

/** The discovery entries of the CRDs: what `new RESTMapper(apiGroupResources)` maps. */
export function apiGroupResources(resources: readonly CustomResourceInfo[]): unknown[] {
  const groups = new Map<string, CustomResourceInfo[]>();
  for (const r of resources) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  return [...groups.keys()].sort().map((group) => {
    const rs = groups.get(group)!;
    const versions = [...new Set(rs.map((r) => r.version))].sort(compareVersions);
    const versionedResources: Record<string, unknown[]> = {};
    for (const version of versions) {
      versionedResources[version] = rs
        .filter((r) => r.version === version)
        .sort((a, b) => (a.plural < b.plural ? -1 : 1))
        .flatMap((r) => {
          const entry: Record<string, unknown> = {
            name: r.plural,
            singularName: r.singular,
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
          };
          if (r.shortNames.length) entry.shortNames = r.shortNames;
          if (r.categories.length) entry.categories = r.categories;
          const subs: unknown[] = [];
          if (r.status) {
            subs.push({
              name: `${r.plural}/status`,
              singularName: "",
              namespaced: r.namespaced,
              kind: r.kind,
              verbs: ["get", "patch", "update"],
            });
          }
          if (r.scale) {
            subs.push({
              name: `${r.plural}/scale`,
              singularName: "",
              namespaced: r.namespaced,
              group: "autoscaling",
              version: "v1",
              kind: "Scale",
              verbs: ["get", "patch", "update"],
            });
          }
          return [entry, ...subs];
        });
    }
    const gv = (v: string) => ({ groupVersion: `${group}/${v}`, version: v });
    return {
      group: { name: group, versions: versions.map(gv), preferredVersion: gv(versions[0]!) },
      versionedResources,
    };
  });
}

/**
 * A JSON value as TypeScript text: on one line when it fits from `column`, else an object with one
 * property per line or an array with one element per line, each laid out the same way.
 */
function dataText(value: unknown, column: number, indent: string): string {
  const line = jsonText(value, 0, indent, 0);
  if (
    (column + line.length + 1 <= LINE_WIDTH && !line.includes("\n")) ||
    typeof value !== "object" ||
    value === null
  )
    return jsonText(value, column, indent);
  const inner = `${indent}  `;
  if (Array.isArray(value))
    return `[\n${value.map((v) => `${inner}${dataText(v, inner.length, inner)},\n`).join("")}${indent}]`;
  const props = Object.entries(value).map(([k, v]) => {
    const key = `${dataKey(k)}: `;
    return `${inner}${key}${dataText(v, inner.length + key.length, inner)},\n`;
  });
  return `{\n${props.join("")}${indent}}`;
}

function resourcesModule(crds: CrdSpec, source: string, clientsetPackage: string): string {
  const data = (
    name: string,
    type: string | undefined,
    doc: string,
    values: readonly unknown[],
    asConst = false,
  ): ConstStructure => ({
    kind: "const",
    doc,
    name,
    ...(type ? { type } : {}),
    initializer: `${dataText(values, 80, "")}${asConst ? " as const" : ""}`,
  });
  return printFile([
    header(source),
    namedList("import type", ["APIGroupResources"], clientsetPackage),
    data(
      "apiGroupResources",
      "APIGroupResources[]",
      "The CRDs' groups and resources as discovery lists them: `new RESTMapper(apiGroupResources)` maps their kinds (and so the DynamicClient's resources) without a cluster; `RESTMapper.fromDiscovery(discovery, apiGroupResources)` adds them to the cluster's.",
      apiGroupResources(crds.resources),
    ),
    data(
      "customResources",
      undefined,
      "Per served version of every CRD: names, scope, the status and scale subresources (with the scale's replica and label selector paths) and additionalPrinterColumns, as data.",
      crds.resources,
      true,
    ),
  ]);
}

/**
 * The descriptors with the kinds as the API server spells them. The emitters name a resource's
 * declarations after its kind (fooBarResource, FooBarInterface, FooBarLister), so crdsToSpec gives the
 * model the kind's TypeScript name (kindTypeName: Foo-Bar → FooBar); a descriptor's kind and list kind
 * are data (the fake clientset serves its objects and lists with them), so they get the CRD's back.
 */
function wireKinds(clientset: Files, model: ApiModel, resources: readonly CustomResourceInfo[]): void {
  const q = JSON.stringify;
  for (const r of resources) {
    const kind = kindTypeName(r.kind);
    const listKind = kindTypeName(r.listKind);
    if (kind === r.kind && listKind === r.listKind) continue;
    const gv = model.groupVersions.find((g) => g.group === r.group && g.version === r.version);
    const path = `${gv?.path}.ts`;
    // Kinds and plurals are letters, digits and '-': nothing to escape in the pattern.
    const pattern = new RegExp(
      `kind: ${q(kind)},(\\s+)listKind: ${q(listKind)},(\\s+)resource: ${q(r.plural)},`,
    );
    const text = clientset.get(path);
    if (text === undefined || !pattern.test(text))
      throw new Error(`internal: no descriptor of ${r.plural} (kind ${kind}) in clientset/${path}`);
    clientset.set(
      path,
      text.replace(
        pattern,
        (_, a: string, b: string) =>
          `kind: ${q(r.kind)},${a}listKind: ${q(r.listKind)},${b}resource: ${q(r.plural)},`,
      ),
    );
  }
}

/** Every file of a CRD package's src/generated/ (without its README). */
export function emitCrdPackage(model: ApiModel, crds: CrdSpec, options: CrdEmitOptions = {}): Files {
  const typesPackage = options.typesPackage ?? "@org/api-types";
  const clientsetPackage = options.clientsetPackage ?? "@org/clientset";
  let typeFiles: Files;
  try {
    typeFiles = emitTypes({ ...model }, undefined, { modules: crds.external, typesPackage });
  } catch (err) {
    // The types emitter names its modules by path ("n.example.com/v1.ts"); here they are under types/.
    if (!(err instanceof NameClashError)) throw err;
    throw new NameClashError(`${CRD_TYPES_DIR}/${err.module}`, err.clash, err.owners, err.hint);
  }
  const ownModel: ApiModel = {
    ...model,
    typeModules: model.typeModules.filter((m) => !crds.external.has(m.path)),
  };
  const clientset = emitClientset(ownModel, {
    runtimeDir: clientsetPackage,
    typesModule: (m, from) =>
      crds.external.has(m)
        ? `${typesPackage}/${m}`
        : relativeImport(`${CRD_CLIENTSET_DIR}/${from}`, `${CRD_TYPES_DIR}/${m}`),
  });
  wireKinds(clientset, ownModel, crds.resources);
  clientset.set(`${SCHEMA_MODULE}.ts`, emitSchemaTable(ownModel, `${clientsetPackage}/fake`));
  return new Map([
    ...prefixed(CRD_TYPES_DIR, typeFiles),
    ...prefixed(CRD_CLIENTSET_DIR, clientset),
    ["resources.ts", resourcesModule(crds, model.source, clientsetPackage)],
    [
      "informers.ts",
      emitInformers(ownModel, {
        informersModule: options.informersPackage ?? "@org/informers",
        typesModule: (m) => relativeImport("informers", `${CRD_TYPES_DIR}/${m}`),
      }),
    ],
  ]);
}
