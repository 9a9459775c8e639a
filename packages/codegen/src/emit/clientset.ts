// Pure: model → the generated part of @org/clientset. Per group-version one module with, for every
// resource, a descriptor (data) and a named interface that picks exactly the resource's methods;
// plus index.ts with GeneratedClientset and the groupVersions table. No method bodies (DESIGN rule 1).
import {
  type CodeBlockWriter,
  type InterfaceDeclarationStructure,
  type StatementStructures,
  StructureKind,
  VariableDeclarationKind,
  type VariableStatementStructure,
  type WriterFunction,
} from "ts-morph";
import type { ApiModel, GroupVersionModel, ResourceModel, TypeRef } from "../model/model.js";
import { compareVersions, lowerCamel, modulePrefix, upperFirst } from "../model/names.js";
import { type Files, header, printFile, relativeImport, typeImport } from "./source.js";

export interface ClientsetEmitOptions {
  /** Package the types come from: "@org/api-types" → "@org/api-types/core/v1". */
  typesPackage?: string;
  /** The runtime directory, relative to the output directory. */
  runtimeDir?: string;
  /** The expansions directory, relative to the output directory. */
  expansionsDir?: string;
  /** Which expansions exist: called with "<gv path>/<kind lowercased>" ("core/v1/pod") and the kind. */
  hasExpansion?: (key: string, kind: string) => boolean;
}

/** Names a generated module imports from api-types, aliased when two modules export the same name. */
class TypeImports {
  private readonly byModule = new Map<string, Map<string, string>>();
  private readonly used = new Set<string>();
  constructor(reserved: Iterable<string>) {
    for (const r of reserved) this.used.add(r);
  }
  use(ref: TypeRef | undefined, fallback: string): string {
    if (!ref) return fallback;
    let names = this.byModule.get(ref.module);
    if (!names) {
      names = new Map();
      this.byModule.set(ref.module, names);
    }
    const existing = names.get(ref.name);
    if (existing) return existing;
    const alias = this.used.has(ref.name) ? `${modulePrefix(ref.module)}${ref.name}` : ref.name;
    this.used.add(alias);
    names.set(ref.name, alias);
    return alias;
  }
  structures(pkg: string): StatementStructures[] {
    return [...this.byModule.keys()].sort().map((m) =>
      typeImport(
        `${pkg}/${m}`,
        [...this.byModule.get(m)!].map(([name, alias]) => ({ name, alias })),
      ),
    );
  }
}

const q = (v: unknown): string => JSON.stringify(v);

function descriptorText(r: ResourceModel): string {
  const subs = r.subresources
    .filter((s) => !s.connect)
    .map((s) => {
      const kind = s.kind
        ? `, kind: { group: ${q(s.kind.group)}, version: ${q(s.kind.version)}, kind: ${q(s.kind.kind)} }`
        : "";
      return `    { name: ${q(s.name)}, verbs: [${s.verbs.map(q).join(", ")}]${kind} },\n`;
    });
  return (
    "{\n" +
    `  group: ${q(r.group)}, version: ${q(r.version)}, kind: ${q(r.kind)}, listKind: ${q(r.listKind)},\n` +
    `  resource: ${q(r.resource)}, namespaced: ${r.namespaced},\n` +
    `  verbs: [${r.verbs.map(q).join(", ")}],\n` +
    (subs.length ? `  subresources: [\n${subs.join("")}  ],\n` : "  subresources: [],\n") +
    "}"
  );
}

function union(names: string[]): string {
  return names.map(q).join(" | ");
}

function resourceStatements(
  gv: GroupVersionModel,
  r: ResourceModel,
  types: TypeImports,
  methods: Set<string>,
  expansionImports: { name: string; from: string }[],
  opts: Required<ClientsetEmitOptions>,
): [VariableStatementStructure, InterfaceDeclarationStructure] {
  const T = types.use(r.type, "unknown");
  const TList = r.verbs.includes("list") ? types.use(r.listType, "unknown") : "never";
  const TApply =
    r.verbs.includes("apply") || r.verbs.includes("applyStatus") ? types.use(r.applyType, "never") : "never";
  const extendsList: string[] = [];
  const verbs: string[] = [];
  for (const v of r.verbs) {
    verbs.push(v);
    if (v === "list") verbs.push("listAll", "listPages");
  }
  if (verbs.length) {
    methods.add("ResourceMethods");
    extendsList.push(`Pick<ResourceMethods<${T}, ${TList}, ${TApply}>, ${union(verbs)}>`);
  }
  const byTypes = new Map<string, string[]>();
  for (const s of r.subresources) {
    if (s.connect || s.methods.length === 0) continue;
    if (s.name === "scale") {
      methods.add("ScaleMethods");
      const scale = types.use(
        s.responseType === "string" ? undefined : (s.responseType ?? s.requestType),
        "unknown",
      );
      const apply = s.applyType ? types.use(s.applyType, "never") : "never";
      extendsList.push(`Pick<ScaleMethods<${scale}, ${apply}>, ${union(s.methods)}>`);
      continue;
    }
    const body = types.use(s.requestType, "unknown");
    const result = s.responseType === "string" ? "string" : types.use(s.responseType, "unknown");
    const key = `${body}, ${result}`;
    byTypes.set(key, [...(byTypes.get(key) ?? []), ...s.methods]);
  }
  for (const [key, names] of byTypes) {
    methods.add("SubresourceMethods");
    extendsList.push(`Pick<SubresourceMethods<${key}>, ${union(names)}>`);
  }
  const expansionKey = `${gv.path}/${r.kind.toLowerCase()}`;
  if (opts.hasExpansion(expansionKey, r.kind)) {
    const name = `${r.kind}Expansion`;
    expansionImports.push({ name, from: relativeImport(gv.path, `${opts.expansionsDir}/${expansionKey}`) });
    extendsList.push(name);
  }
  const scope = r.namespaced ? "namespaced" : "cluster-scoped";
  const descriptor: VariableStatementStructure = {
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [`${r.resource}: ${gv.group || "core"}/${gv.version} ${r.kind}, ${scope}.`],
    declarations: [{ name: descriptorName(r), type: "ResourceDescriptor", initializer: descriptorText(r) }],
  };
  const iface: InterfaceDeclarationStructure = {
    kind: StructureKind.Interface,
    name: r.interfaceName,
    isExported: true,
    docs: [
      `${r.interfaceName} has methods to work with ${r.kind} resources (${gv.group || "core"}/${gv.version}).`,
    ],
    ...(extendsList.length
      ? {
          extends: (w: CodeBlockWriter) => {
            w.newLine();
            extendsList.forEach((e, i) => {
              w.indent(2).write(e);
              if (i < extendsList.length - 1) w.write(",").newLine();
            });
          },
        }
      : {}),
  };
  return [descriptor, iface];
}

function descriptorName(r: ResourceModel): string {
  return `${lowerCamel(r.kind)}Resource`;
}

export function emitGroupVersion(
  gv: GroupVersionModel,
  source: string,
  options: ClientsetEmitOptions = {},
): string {
  const opts: Required<ClientsetEmitOptions> = {
    typesPackage: options.typesPackage ?? "@org/api-types",
    runtimeDir: options.runtimeDir ?? "../runtime",
    expansionsDir: options.expansionsDir ?? "../expansions",
    hasExpansion: options.hasExpansion ?? (() => false),
  };
  const reserved = [
    gv.interfaceName,
    gv.method,
    "ResourceDescriptor",
    "GroupVersionDescriptor",
    "ResourceMethods",
    "ScaleMethods",
    "SubresourceMethods",
    ...gv.resources.flatMap((r) => [r.interfaceName, descriptorName(r), `${r.kind}Expansion`]),
  ];
  const types = new TypeImports(reserved);
  const methods = new Set<string>();
  const expansionImports: { name: string; from: string }[] = [];
  const body: StatementStructures[] = [];
  for (const r of gv.resources)
    body.push(...resourceStatements(gv, r, types, methods, expansionImports, opts));
  const gvName = `${gv.group || "core"}/${gv.version}`;
  body.push({
    kind: StructureKind.Interface,
    name: gv.interfaceName,
    isExported: true,
    docs: [`${gv.interfaceName}: the ${gvName} resources (client-go's ${upperFirst(gv.method)}Interface).`],
    methods: gv.resources.map((r) => ({
      name: r.getter,
      parameters: r.namespaced ? [{ name: "namespace", type: "string" }] : [],
      returnType: r.interfaceName,
    })),
  });
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [`The ${gvName} resources by getter name.`],
    declarations: [
      {
        name: gv.method,
        type: "GroupVersionDescriptor",
        initializer:
          `{\n  group: ${q(gv.group)},\n  version: ${q(gv.version)},\n  resources: {\n` +
          gv.resources.map((r) => `    ${r.getter}: ${descriptorName(r)},\n`).join("") +
          "  },\n}",
      },
    ],
  });
  const statements: (StatementStructures | string | WriterFunction)[] = [
    header(source),
    ...types.structures(opts.typesPackage),
  ];
  statements.push(
    typeImport(relativeImport(gv.path, `${opts.runtimeDir}/descriptor`), [
      "GroupVersionDescriptor",
      "ResourceDescriptor",
    ]),
  );
  if (methods.size)
    statements.push(typeImport(relativeImport(gv.path, `${opts.runtimeDir}/methods`), methods));
  for (const e of expansionImports.sort((a, b) => (a.from < b.from ? -1 : 1))) {
    statements.push(typeImport(e.from, [e.name]));
  }
  statements.push((w) => w.blankLine(), ...body);
  return printFile(statements, true);
}

/** index.ts: GeneratedClientset, groupVersions, and every interface re-exported. */
export function emitClientsetIndex(model: ApiModel): string {
  const statements: (StatementStructures | string)[] = [header(model.source)];
  const gvs = model.groupVersions;
  for (const gv of gvs) {
    statements.push({
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: `./${gv.path}.js`,
      namedImports: [{ name: gv.method }, { name: gv.interfaceName, isTypeOnly: true }],
    });
  }
  // Bare names for every interface; when several group-versions declare one (EventInterface in core/v1
  // and events.k8s.io/v1), the preferred one takes it: core group first, then GA > beta > alpha.
  const preferred = [...gvs].sort(
    (a, b) =>
      compareVersions(a.version, b.version) ||
      (a.group === "" ? -1 : b.group === "" ? 1 : a.group < b.group ? -1 : a.group > b.group ? 1 : 0),
  );
  const owner = new Map<string, GroupVersionModel>();
  for (const gv of preferred) {
    for (const n of [gv.interfaceName, ...gv.resources.map((r) => r.interfaceName)])
      if (!owner.has(n)) owner.set(n, gv);
  }
  for (const gv of gvs) {
    const names = [gv.interfaceName, ...gv.resources.map((r) => r.interfaceName)].filter(
      (n) => owner.get(n) === gv,
    );
    statements.push({
      kind: StructureKind.ExportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: `./${gv.path}.js`,
      namedExports: names.sort().map((name) => ({ name })),
    });
  }
  for (const gv of gvs) statements.push(`export type * as ${upperFirst(gv.method)} from "./${gv.path}.js";`);
  statements.push({
    kind: StructureKind.Interface,
    name: "GeneratedClientset",
    isExported: true,
    docs: ["Every group-version of the API, as client-go's kubernetes.Interface names them."],
    methods: gvs.map((gv) => ({ name: gv.method, returnType: gv.interfaceName })),
  });
  statements.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The descriptors of every group-version, keyed by clientset method name."],
    declarations: [
      { name: "groupVersions", initializer: `{\n${gvs.map((gv) => `  ${gv.method},\n`).join("")}} as const` },
    ],
  });
  return printFile(statements, true);
}

export function emitClientset(
  model: ApiModel,
  options: ClientsetEmitOptions = {},
  onGroupVersion?: (gv: GroupVersionModel) => void,
): Files {
  const files: Files = new Map();
  for (const gv of model.groupVersions) {
    files.set(`${gv.path}.ts`, emitGroupVersion(gv, model.source, options));
    onGroupVersion?.(gv);
  }
  files.set("index.ts", emitClientsetIndex(model));
  return files;
}
