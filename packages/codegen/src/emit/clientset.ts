// Pure: model → the generated part of @org/clientset. Per group-version one module with, for every
// resource, a descriptor (data: coordinates, verbs, its rows of the subresource method table, its
// expansion) and a named interface that picks exactly the resource's methods; plus index.ts with
// GeneratedClientset and the groupVersions table. No method bodies (DESIGN rule 1).
import type { ApiModel, GroupVersionModel, ResourceModel, TypeRef } from "../model/model.js";
import { compareVersions, DeclaredNames, lowerCamel, uniqueAlias, upperFirst } from "../model/names.js";
import { SUBRESOURCE_METHODS, subresourceMethodRow } from "../model/subresources.js";
import {
  type ConstStructure,
  type Files,
  fillList,
  header,
  type InterfaceStructure,
  LINE_WIDTH,
  namedList,
  packItems,
  packTokens,
  printFile,
  relativeImport,
  type Statement,
  typeImport,
} from "./source.js";

export interface ClientsetEmitOptions {
  /** Package the types come from: "@org/api-types" → "@org/api-types/core/v1". */
  typesPackage?: string;
  /**
   * The runtime directory, relative to the output directory; or a package that exports the runtime's
   * types ("@org/clientset", for code generated into another package).
   */
  runtimeDir?: string;
  /** Import specifier of a types module from a generated module; default `<typesPackage>/<module>`. */
  typesModule?: (module: string, from: string) => string;
  /** The expansions directory, relative to the output directory. */
  expansionsDir?: string;
  /**
   * Which expansions exist: called with "<gv path>/<kind lowercased>" ("core/v1/pod") and the kind.
   * That module exports the interface `<Kind>Expansion` and its implementation `<kind>Expansion`.
   */
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
    const alias = uniqueAlias(this.used, ref.module, ref.name);
    names.set(ref.name, alias);
    return alias;
  }
  structures(specifier: (module: string) => string): string[] {
    return [...this.byModule.keys()].sort().map((m) =>
      typeImport(
        specifier(m),
        [...this.byModule.get(m)!].map(([name, alias]) => ({ name, alias })),
      ),
    );
  }
}

const q = (v: unknown): string => JSON.stringify(v);

/** The generated module with every row of the subresource method table, as data, named by method. */
export const SUBRESOURCE_METHODS_MODULE = "subresource-methods";

/** The descriptor's initializer: several properties per line, every list filled to the line width. */
function descriptorText(r: ResourceModel, expansion: string | undefined): string {
  const props = (items: string[], column = 2, indent = "  ", tail = 1) =>
    fillList(items, ",", column, indent, tail);
  const subresources = r.subresources
    .filter((s) => !s.connect)
    .map((s) => {
      const items = [`name: ${q(s.name)}`, `verbs: [${s.verbs.map(q).join(", ")}]`];
      if (s.kind) {
        items.push(
          `kind: { group: ${q(s.kind.group)}, version: ${q(s.kind.version)}, kind: ${q(s.kind.kind)} }`,
        );
      }
      return `${objectText(items, 4, "    ")},`;
    });
  // The rows (filled from the line of `methods: [`), then the expansion on the same line when it fits.
  const rows = r.subresources.flatMap((s) => s.methods);
  let methods = rows.length
    ? packTokens(
        rows.map((row, i) => `${i === 0 ? "methods: [" : ""}${row}${i === rows.length - 1 ? "]," : ","}`),
        2,
        "    ",
      )
    : "methods: [],";
  if (expansion) {
    const item = `expansion: ${expansion},`;
    const fits = !methods.includes("\n") && 2 + methods.length + 1 + item.length <= LINE_WIDTH;
    methods += fits ? ` ${item}` : `\n  ${item}`;
  }
  return (
    "{\n" +
    `  ${props([
      `group: ${q(r.group)}`,
      `version: ${q(r.version)}`,
      `kind: ${q(r.kind)}`,
      `listKind: ${q(r.listKind)}`,
      `resource: ${q(r.resource)}`,
      `namespaced: ${r.namespaced}`,
    ])},\n` +
    `  verbs: [${fillList(r.verbs.map(q), ",", 2 + "verbs: [".length, "    ", 2)}],\n` +
    (subresources.length
      ? `  subresources: [\n    ${packItems(subresources, "    ")}\n  ],\n`
      : "  subresources: [],\n") +
    `  ${methods}\n` +
    "}"
  );
}

/**
 * `{ a, b }` when it fits on the line from `column` (plus the comma after it), else a block whose
 * properties are filled at `indent` + 2.
 */
function objectText(items: string[], column: number, indent: string): string {
  const oneLine = `{ ${items.join(", ")} }`;
  if (column + oneLine.length + 1 <= LINE_WIDTH) return oneLine;
  const inner = `${indent}  `;
  return `{\n${inner}${fillList(items, ",", inner.length, inner, 1)},\n${indent}}`;
}

/** Import specifier of a runtime module: relative to a directory, or the package that exports it. */
export function runtimeImport(from: string, runtimeDir: string, module: string): string {
  return runtimeDir.startsWith(".") ? relativeImport(from, `${runtimeDir}/${module}`) : runtimeDir;
}

/** The module of every subresource method row, each exported under its method name. */
export function emitSubresourceMethods(source: string, runtimeDir = "../runtime"): string {
  return printFile([
    header(source),
    typeImport(runtimeImport(SUBRESOURCE_METHODS_MODULE, runtimeDir, "descriptor"), ["SubresourceMethod"]),
    ...SUBRESOURCE_METHODS.map(
      (row): ConstStructure => ({
        kind: "const",
        doc: `${row.subresource}: ${row.method} (${row.verb}).`,
        name: row.method,
        type: "SubresourceMethod",
        initializer: objectText(
          Object.entries(row).map(([k, v]) => `${k}: ${q(v)}`),
          `export const ${row.method}: SubresourceMethod = `.length,
          "",
        ),
      }),
    ),
  ]);
}

/** `Pick<<name><args>, "a" | "b" ...>` as an extends clause item, filled to the line width. */
function pick(name: string, args: string[], names: string[]): string {
  const tokens = args.map((a, i) => (i < args.length - 1 ? `${a},` : `${a}>,`));
  tokens[0] = `Pick<${name}<${tokens[0]}`;
  const union = names.map((n, i) => `${i > 0 ? "| " : ""}${q(n)}${i === names.length - 1 ? ">" : ""}`);
  return packTokens([...tokens, ...union], 2, "    ", 2);
}

function resourceStatements(
  gv: GroupVersionModel,
  r: ResourceModel,
  types: TypeImports,
  methods: Set<string>,
  expansionImports: { names: string[]; from: string }[],
  opts: Required<ClientsetEmitOptions>,
): [ConstStructure, InterfaceStructure] {
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
    extendsList.push(pick("ResourceMethods", [T, TList, TApply], verbs));
  }
  // SubresourceMethods<TBody, TResult[, TApply]>: one Pick per distinct set of type arguments.
  const byTypes = new Map<string, { args: string[]; names: string[] }>();
  for (const s of r.subresources) {
    if (s.methods.length === 0) continue;
    const args = [
      types.use(s.requestType, "unknown"),
      s.responseType === "string" ? "string" : types.use(s.responseType, "unknown"),
    ];
    if (s.methods.some((m) => subresourceMethodRow(m).verb === "apply"))
      args.push(types.use(s.applyType, "never"));
    const group = byTypes.get(args.join()) ?? { args, names: [] };
    group.names.push(...s.methods);
    byTypes.set(args.join(), group);
  }
  // Sorted by their type arguments, like imports (and so they pack: see extendsText).
  for (const { args, names } of [...byTypes.values()].sort((a, b) =>
    a.args.join() < b.args.join() ? -1 : 1,
  )) {
    methods.add("SubresourceMethods");
    extendsList.push(pick("SubresourceMethods", args, names));
  }
  const expansionKey = `${gv.path}/${r.kind.toLowerCase()}`;
  let expansion: string | undefined;
  if (opts.hasExpansion(expansionKey, r.kind)) {
    expansion = expansionValueName(r);
    const from = relativeImport(gv.path, `${opts.expansionsDir}/${expansionKey}`);
    expansionImports.push({ names: [`type ${r.kind}Expansion`, expansion], from });
    extendsList.push(`${r.kind}Expansion`);
  }
  const scope = r.namespaced ? "namespaced" : "cluster-scoped";
  const descriptor: ConstStructure = {
    kind: "const",
    doc: `${r.resource}: ${gv.group || "core"}/${gv.version} ${r.kind}, ${scope}.`,
    name: descriptorName(r),
    type: "ResourceDescriptor",
    initializer: descriptorText(r, expansion),
  };
  const iface: InterfaceStructure = {
    kind: "interface",
    name: r.interfaceName,
    doc: `${r.interfaceName} has methods to work with ${r.kind} resources (${gv.group || "core"}/${gv.version}).`,
    ...(extendsList.length ? { extends: `\n  ${extendsText(extendsList)}` } : {}),
  };
  return [descriptor, iface];
}

/** Extends clause items after "extends": several short ones share a line; one spanning lines stands alone. */
function extendsText(items: string[]): string {
  return packItems(
    items.map((item, i) => (i < items.length - 1 ? `${item},` : item)),
    "  ",
    2, // " {"
  );
}

/** The implementation an expansion module exports next to its interface: "podExpansion". */
function expansionValueName(r: ResourceModel): string {
  return `${lowerCamel(r.kind)}Expansion`;
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
    typesModule: options.typesModule ?? ((m) => `${options.typesPackage ?? "@org/api-types"}/${m}`),
  };
  const reserved = [
    gv.interfaceName,
    gv.method,
    "ResourceDescriptor",
    "GroupVersionDescriptor",
    "ResourceMethods",
    "SubresourceMethods",
    // The global the interfaces use (a CRD kind Pick is imported under an alias).
    "Pick",
    ...gv.resources.flatMap((r) => [
      r.interfaceName,
      descriptorName(r),
      `${r.kind}Expansion`,
      expansionValueName(r),
    ]),
  ];
  // What the module declares, by owner: kinds whose lower-camel names are one (FOO and Foo: both
  // fooResource) are refused here, not left to the compiler.
  const gvName = `${gv.group || "core"}/${gv.version}`;
  const declared = new DeclaredNames(`clientset/${gv.path}.ts`);
  const gvOwner = { group: gv.group, version: gv.version };
  declared.add(gv.interfaceName, { ...gvOwner, what: `${gvName}'s interface` });
  declared.add(gv.method, { ...gvOwner, what: `${gvName}'s descriptor` });
  for (const r of gv.resources) {
    const owner = (what: string) => ({ ...gvOwner, kind: r.kind, what: `kind ${r.kind}'s ${what}` });
    declared.add(r.interfaceName, owner("interface"));
    declared.add(descriptorName(r), owner("descriptor"));
    if (opts.hasExpansion(`${gv.path}/${r.kind.toLowerCase()}`, r.kind)) {
      declared.add(`${r.kind}Expansion`, owner("expansion interface"));
      declared.add(expansionValueName(r), owner("expansion"));
    }
  }
  const types = new TypeImports(reserved);
  const methods = new Set<string>();
  const expansionImports: { names: string[]; from: string }[] = [];
  const body: Statement[] = [];
  for (const r of gv.resources)
    body.push(...resourceStatements(gv, r, types, methods, expansionImports, opts));
  // client-go's name for the group-version's interface; ours differs where a kind's interface has it
  // (kind AV1: AV1GroupInterface). A version with a dash is no Go package: client-go has no name for it.
  const clientGo = `${upperFirst(gv.method)}Interface`;
  const kindWithName = gv.resources.find((r) => r.interfaceName === clientGo);
  const gvDoc =
    kindWithName && gv.interfaceName !== clientGo
      ? `${gv.interfaceName}: the ${gvName} resources (${gv.version.includes("-") ? "" : `client-go's ${clientGo}; `}${clientGo} is kind ${kindWithName.kind}'s interface here).`
      : gv.version.includes("-")
        ? `${gv.interfaceName}: the ${gvName} resources.`
        : `${gv.interfaceName}: the ${gvName} resources (client-go's ${clientGo}).`;
  body.push({
    kind: "interface",
    name: gv.interfaceName,
    doc: gvDoc,
    methods: gv.resources.map((r) => ({
      name: r.getter,
      parameters: r.namespaced ? [{ name: "namespace", type: "string" }] : [],
      returnType: r.interfaceName,
    })),
  });
  body.push({
    kind: "const",
    doc: `The ${gvName} resources by getter name.`,
    name: gv.method,
    type: "GroupVersionDescriptor",
    initializer:
      `{\n  group: ${q(gv.group)},\n  version: ${q(gv.version)},\n  resources: {\n` +
      gv.resources.map((r) => `    ${r.getter}: ${descriptorName(r)},\n`).join("") +
      "  },\n}",
  });
  const statements: Statement[] = [header(source), ...types.structures((m) => opts.typesModule(m, gv.path))];
  statements.push(
    typeImport(runtimeImport(gv.path, opts.runtimeDir, "descriptor"), [
      "GroupVersionDescriptor",
      "ResourceDescriptor",
    ]),
  );
  if (methods.size) statements.push(typeImport(runtimeImport(gv.path, opts.runtimeDir, "methods"), methods));
  const rows = [...new Set(gv.resources.flatMap((r) => r.subresources.flatMap((x) => x.methods)))].sort();
  const clash = rows.find((row) => reserved.includes(row));
  if (clash !== undefined)
    throw new Error(`${gv.path}: subresource method ${clash} clashes with a declaration`);
  if (rows.length)
    statements.push(namedList("import", rows, relativeImport(gv.path, SUBRESOURCE_METHODS_MODULE)));
  for (const e of expansionImports.sort((a, b) => (a.from < b.from ? -1 : 1))) {
    statements.push(namedList("import", e.names, e.from));
  }
  statements.push("", ...body);
  return printFile(statements);
}

/** index.ts: GeneratedClientset, groupVersions, and every interface re-exported. */
export function emitClientsetIndex(model: ApiModel): string {
  const statements: Statement[] = [header(model.source)];
  const gvs = model.groupVersions;
  for (const gv of gvs) {
    statements.push(namedList("import", [gv.method, `type ${gv.interfaceName}`], `./${gv.path}.js`));
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
    statements.push(namedList("export type", names.sort(), `./${gv.path}.js`));
  }
  for (const gv of gvs) statements.push(`export type * as ${upperFirst(gv.method)} from "./${gv.path}.js";`);
  statements.push({
    kind: "interface",
    name: "GeneratedClientset",
    doc: "Every group-version of the API, as client-go's kubernetes.Interface names them.",
    methods: gvs.map((gv) => ({ name: gv.method, returnType: gv.interfaceName })),
  });
  statements.push({
    kind: "const",
    doc: "The descriptors of every group-version, keyed by clientset method name.",
    name: "groupVersions",
    initializer: `{\n${gvs.map((gv) => `  ${gv.method},\n`).join("")}} as const`,
  });
  return printFile(statements);
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
  files.set(`${SUBRESOURCE_METHODS_MODULE}.ts`, emitSubresourceMethods(model.source, options.runtimeDir));
  return files;
}
