// Pure: model → api-types files. Schema → TypeScript type mapping by openapi-typescript; declarations
// (interfaces, aliases, imports, doc comments) as statement structures (./source.ts).
import { createRequire } from "node:module";
import type { GlobalContext, SchemaObject, transformSchemaObject } from "openapi-typescript";
import type ts from "typescript";
import type { Schema } from "../load/spec.js";
import { REF_PREFIX } from "../load/spec.js";
import type { ApiModel, TypeDecl, TypeModule } from "../model/model.js";
import { DeclaredNames, definitionModule, type NameOwner, uniqueAlias } from "../model/names.js";
import {
  docText,
  type Files,
  header,
  type InterfaceStructure,
  LINE_WIDTH,
  OBJECT_MEMBERS,
  type PropertySignature,
  printFile,
  propertyName,
  relativeImport,
  type TypeAliasStructure,
  typeImport,
} from "./source.js";

/** The module with the apply-configuration helpers, emitted next to the group-version modules. */
export const APPLY_MODULE = "apply-configuration";

/**
 * openapi-typescript's schema transform and TypeScript's printer, loaded on first use through their
 * CommonJS builds: the clientset and informers targets need neither, and an ESM import of TypeScript
 * makes Node scan its 9 MB for named exports first (about 0.4 s of every run).
 */
let schemaTools: { transform: typeof transformSchemaObject; print: (node: ts.Node) => string } | undefined;
function tools(): NonNullable<typeof schemaTools> {
  if (!schemaTools) {
    const require = createRequire(import.meta.url);
    const typescript: typeof ts = require("typescript");
    const printer = typescript.createPrinter({
      newLine: typescript.NewLineKind.LineFeed,
      removeComments: false,
    });
    const scratch = typescript.createSourceFile(
      "t.ts",
      "",
      typescript.ScriptTarget.ESNext,
      false,
      typescript.ScriptKind.TS,
    );
    schemaTools = {
      // The transform's own module: the package index also loads all of @redocly/openapi-core (0.25 s).
      transform: require("openapi-typescript/dist/transform/schema-object.cjs").default,
      print: (node) => printer.printNode(typescript.EmitHint.Unspecified, node, scratch),
    };
  }
  return schemaTools;
}

function context(schemas: Record<string, Schema>): GlobalContext {
  return {
    additionalProperties: false,
    alphabetize: false,
    arrayLength: false,
    defaultNonNullable: false,
    discriminators: { objects: {}, refsHandled: [] },
    emptyObjectsUnknown: true,
    enum: false,
    enumValues: false,
    conditionalEnums: false,
    dedupeEnums: false,
    excludeDeprecated: false,
    exportType: false,
    immutable: false,
    injectFooter: [],
    pathParamsAsTypes: false,
    postTransform: undefined,
    propertiesRequiredByDefault: false,
    rootTypes: false,
    rootTypesNoSchemaPrefix: false,
    rootTypesKeepCasing: false,
    redoc: undefined as unknown as GlobalContext["redoc"],
    silent: true,
    transform: undefined,
    transformProperty: undefined,
    makePathsEnum: false,
    generatePathParams: false,
    readWriteMarkers: false,
    resolve<T>($ref: string): T | undefined {
      return schemas[$ref.slice(REF_PREFIX.length)] as T | undefined;
    },
  };
}

const REF_TEXT = /components\["schemas"\]\["([^"]+)"\]/g;

/** Names visible in one module: its own declarations and the imports it needs. */
class Scope {
  private readonly imports = new Map<string, Map<string, string>>(); // module → name → local alias
  private readonly used = new Set<string>();
  private readonly own: ReadonlySet<string>;
  constructor(
    readonly module: string,
    own: Iterable<string>,
    /** Import specifier of another module from this one (default: relative). */
    private readonly specifier: (from: string, to: string) => string = relativeImport,
  ) {
    this.own = new Set(own);
    for (const n of this.own) this.used.add(n);
  }

  /** Whether the module itself declares `name`. */
  declares(name: string): boolean {
    return this.own.has(name);
  }

  local(definition: string): string {
    const { module, name } = definitionModule(definition);
    if (module === this.module) return name;
    let names = this.imports.get(module);
    if (!names) {
      names = new Map();
      this.imports.set(module, names);
    }
    const existing = names.get(name);
    if (existing) return existing;
    const alias = uniqueAlias(this.used, module, name);
    names.set(name, alias);
    return alias;
  }

  importStructures(): string[] {
    return [...this.imports.keys()].sort().map((m) =>
      typeImport(
        this.specifier(this.module, m),
        [...this.imports.get(m)!].map(([name, alias]) => ({ name, alias })),
      ),
    );
  }
}

/** Printed TypeScript type of one schema, `$ref`s resolved to names in `scope`. */
function typeText(schema: unknown, ctx: GlobalContext, scope: Scope, path: string): string {
  const { transform, print } = tools();
  let text = print(transform(schema as SchemaObject, { path, ctx }));
  // Small inline object types on one line; nested documented ones (CRD schemas) keep their layout.
  // TypeScript's printer indents by four columns, the generated files by two.
  if (!text.includes("/*")) text = text.replace(/\n\s*/g, " ");
  else
    text = text
      .replace(/(\/\*\*|\n\s*\*) @description /g, "$1 ")
      .replace(/\n( +)/g, (_, sp: string) => `\n${" ".repeat((sp.length >> 2) * 2 + (sp.length & 3))}`);
  text = text.replace(REF_TEXT, (_, def: string) => scope.local(def));
  // openapi-typescript writes Record<string, unknown> for an object without properties; in a module
  // that declares its own Record (a CRD kind) that name is the module's, so use the global one.
  return scope.declares("Record")
    ? text.replace(/"(?:[^"\\]|\\.)*"|\bRecord</g, (m) => (m === "Record<" ? "globalThis.Record<" : m))
    : text;
}

function isInterfaceSchema(schema: Schema): boolean {
  const props = schema.properties;
  return (
    typeof props === "object" &&
    props !== null &&
    Object.keys(props).length > 0 &&
    schema.allOf === undefined &&
    schema.anyOf === undefined &&
    schema.oneOf === undefined &&
    schema.$ref === undefined
  );
}

/** The type of `export type <name> = <type>;`, moved to its own line when the one line is too long. */
function aliasType(name: string, type: string): string {
  const firstLine = type.split("\n")[0]!;
  return `export type ${name} = ${firstLine};`.length > LINE_WIDTH && !type.includes("\n")
    ? `\n  ${type}`
    : type;
}

function declaration(
  decl: TypeDecl,
  ctx: GlobalContext,
  scope: Scope,
  helper: string,
): (InterfaceStructure | TypeAliasStructure)[] {
  const schema = decl.schema;
  const docs = docText(schema.description);
  const path = `${REF_PREFIX}${decl.definition}`;
  const out: (InterfaceStructure | TypeAliasStructure)[] = [];
  if (isInterfaceSchema(schema)) {
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const properties: PropertySignature[] = [];
    for (const [name, prop] of Object.entries(schema.properties as Record<string, Schema>)) {
      let type: string;
      if (decl.gvk && name === "apiVersion") type = JSON.stringify(decl.gvk.apiVersion);
      else if (decl.gvk && name === "kind") type = JSON.stringify(decl.gvk.kind);
      else type = typeText(prop, ctx, scope, `${path}/properties/${name}`);
      // An optional property named like a member of Object (a CRD's `constructor`, `toString`):
      // an object literal has that member through its prototype, so without its type in the union
      // no literal would be assignable (and reading the absent field gives the prototype's member).
      if (!required.has(name) && OBJECT_MEMBERS.has(name)) type = `${type} | globalThis.Object["${name}"]`;
      const propDocs = docText(prop?.description);
      properties.push({
        name: propertyName(name),
        type,
        hasQuestionToken: !required.has(name),
        ...(propDocs ? { doc: propDocs } : {}),
      });
    }
    const extra = schema.additionalProperties;
    out.push({
      kind: "interface",
      name: decl.name,
      properties,
      ...(extra === true || (typeof extra === "object" && extra !== null)
        ? { indexSignatures: [{ keyName: "key", keyType: "string", returnType: "unknown" }] }
        : {}),
      ...(docs ? { doc: docs } : {}),
    });
  } else {
    out.push({
      kind: "type",
      name: decl.name,
      type: aliasType(decl.name, typeText(schema, ctx, scope, path)),
      ...(docs ? { doc: docs } : {}),
    });
  }
  if (decl.apply) {
    out.push({
      kind: "type",
      name: `${decl.name}ApplyConfiguration`,
      type: aliasType(`${decl.name}ApplyConfiguration`, `${helper}<${decl.name}>`),
      doc:
        `${decl.name}ApplyConfiguration is what server-side apply of a ${decl.name} sends: any subset of its ` +
        "fields, with apiVersion, kind and metadata.name required.",
    });
  }
  return out;
}

export function emitTypeModule(
  mod: TypeModule,
  ctx: GlobalContext,
  source: string,
  specifier?: (from: string, to: string) => string,
): string {
  const own: string[] = [];
  // A kind named like another kind's apply configuration (Widget, WidgetApplyConfiguration) is
  // refused here, not left to the compiler.
  const declared = new DeclaredNames(`${mod.path}.ts`);
  for (const d of mod.decls) {
    const [group, version] = d.gvk?.apiVersion.includes("/")
      ? d.gvk.apiVersion.split("/")
      : ["", d.gvk?.apiVersion];
    const owner = (what: string): NameOwner =>
      d.gvk
        ? { group, version, kind: d.gvk.kind, what: `kind ${d.gvk.kind}${what}` }
        : { what: `definition ${d.definition}` };
    declared.add(d.name, owner(""));
    own.push(d.name);
    if (d.apply) {
      declared.add(`${d.name}ApplyConfiguration`, owner("'s apply configuration"));
      own.push(`${d.name}ApplyConfiguration`);
    }
  }
  // The helper's local name; aliased where a definition is itself called ApplyConfiguration.
  const helper = own.includes("ApplyConfiguration") ? "ApplyConfigurationOf" : "ApplyConfiguration";
  const scope = new Scope(mod.path, [...own, helper], specifier);
  const decls = mod.decls.flatMap((d) => declaration(d, ctx, scope, helper));
  const imports = scope.importStructures();
  if (mod.decls.some((d) => d.apply))
    imports.push(
      typeImport(relativeImport(mod.path, APPLY_MODULE), [{ name: "ApplyConfiguration", alias: helper }]),
    );
  return printFile([header(source), ...imports, ...decls]);
}

function applyModule(source: string): string {
  return printFile([
    header(source),
    {
      kind: "type",
      name: "DeepPartial",
      typeParameters: ["T"],
      type:
        "\n  T extends readonly (infer U)[]\n  ? DeepPartial<U>[]\n  : T extends object\n" +
        "  ? { [K in keyof T]?: DeepPartial<T[K]> }\n  : T",
      doc: "Every field optional, at every depth: the shape of a server-side apply request body.",
    },
    {
      kind: "type",
      name: "ApplyConfiguration",
      typeParameters: [
        { name: "T", constraint: "{ apiVersion?: string; kind?: string; metadata?: object }" },
      ],
      type:
        // A key-remapping mapped type, not Omit: Omit over a kind with an index signature (a root
        // x-kubernetes-preserve-unknown-fields) keeps only the index signature, so no declared field would be typed.
        '\n  { [K in keyof T as K extends "apiVersion" | "kind" | "metadata" ? never : K]?: DeepPartial<T[K]> } & {\n' +
        '    apiVersion: NonNullable<T["apiVersion"]>;\n    kind: NonNullable<T["kind"]>;\n' +
        '    metadata: DeepPartial<NonNullable<T["metadata"]>> & { name: string };\n  }',
      doc:
        "A typed apply configuration (client-go's applyconfigurations): any subset of the kind's fields, " +
        "with apiVersion, kind and metadata.name required.",
    },
  ]);
}

/**
 * Every api-types module: "<module>.ts" per type module plus the apply-configuration helpers. With
 * `external` (CRD output), the type modules it names are imported from `typesPackage` instead of
 * emitted ("meta/v1" → "@org/api-types/meta/v1").
 */
export function emitTypes(
  model: ApiModel,
  onModule?: (path: string) => void,
  external?: { modules: ReadonlySet<string>; typesPackage: string },
): Files {
  const schemas: Record<string, Schema> = {};
  for (const m of model.typeModules) for (const d of m.decls) schemas[d.definition] = d.schema;
  const ctx = context(schemas);
  const files: Files = new Map();
  files.set(`${APPLY_MODULE}.ts`, applyModule(model.source));
  const specifier = external
    ? (from: string, to: string) =>
        external.modules.has(to) ? `${external.typesPackage}/${to}` : relativeImport(from, to)
    : undefined;
  for (const mod of model.typeModules) {
    if (external?.modules.has(mod.path)) continue;
    files.set(`${mod.path}.ts`, emitTypeModule(mod, ctx, model.source, specifier));
    onModule?.(mod.path);
  }
  return files;
}
