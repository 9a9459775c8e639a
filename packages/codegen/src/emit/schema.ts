// The clientset's schema table: for each object type of the spec, its fields (those that lead to
// other object types with their type) and the list and map semantics of its fields (strategic-merge patch strategy and merge
// key, server-side apply list type and list-map keys, atomic maps), plus the root type of each
// group/version/kind. Data only: the fake clientset's patch and apply logic reads it.
import type { Schema } from "../load/spec.js";
import type { ApiModel } from "../model/model.js";
import { header, jsonText, OBJECT_MEMBERS, printFile, relativeImport, typeImport } from "./source.js";

/** Module of the table in the clientset's generated directory. */
export const SCHEMA_MODULE = "schema";

/** How one field behaves in patches and apply (the clientset's fake/schema.ts FieldMeta). */
export interface FieldMeta {
  ref?: string;
  list?: "atomic" | "set" | "map";
  keys?: string[];
  mergeKey?: string;
  strategy?: string;
  map?: true;
  atomic?: true;
}

export interface SchemaTableData {
  types: Record<string, Record<string, FieldMeta>>;
  roots: Record<string, string>;
}

/**
 * The definition a schema refers to: its `$ref`, or that of a nullable reference (`anyOf: [{ $ref }]`
 * with `nullable: true`, how a CRD's nullable object is written so that its type gets `| null`):
 * nullable changes the type, not how the field merges.
 */
function refName(s: unknown): string | undefined {
  const o = s as { $ref?: unknown; anyOf?: unknown } | undefined;
  const only =
    Array.isArray(o?.anyOf) && o.anyOf.length === 1 ? (o.anyOf[0] as { $ref?: unknown }) : undefined;
  const ref = o?.$ref ?? only?.$ref;
  if (typeof ref !== "string") return undefined;
  return ref.slice(ref.lastIndexOf("/") + 1);
}

function fieldMeta(p: Schema): FieldMeta | undefined {
  const m: FieldMeta = {};
  if (p.type === "array") {
    const lt = p["x-kubernetes-list-type"];
    m.list = lt === "map" || lt === "set" ? lt : "atomic";
    const keys = p["x-kubernetes-list-map-keys"];
    if (Array.isArray(keys)) m.keys = keys.map(String);
    const item = refName(p.items);
    if (item !== undefined) m.ref = item;
  } else if (
    p.type === "object" &&
    p.additionalProperties !== undefined &&
    p.additionalProperties !== false
  ) {
    m.map = true;
    const v = refName(p.additionalProperties);
    if (v !== undefined) m.ref = v;
  } else if (p.type === undefined && p["x-kubernetes-preserve-unknown-fields"] === true && !p.properties) {
    // any JSON value; structured-merge-diff merges an object there key by key, as a map
    m.map = true;
  } else {
    const r = refName(p);
    if (r !== undefined) m.ref = r;
  }
  if (typeof p["x-kubernetes-patch-merge-key"] === "string") m.mergeKey = p["x-kubernetes-patch-merge-key"];
  if (typeof p["x-kubernetes-patch-strategy"] === "string") m.strategy = p["x-kubernetes-patch-strategy"];
  if (p["x-kubernetes-map-type"] === "atomic") m.atomic = true;
  return Object.keys(m).length === 0 ? undefined : m;
}

/** The table of a model (pure; definitions and fields in sorted order). */
export function schemaTable(model: ApiModel): SchemaTableData {
  const decls = model.typeModules
    .flatMap((m) => m.decls)
    .sort((a, b) => (a.definition < b.definition ? -1 : 1));
  const types: Record<string, Record<string, FieldMeta>> = {};
  const roots: Record<string, string> = {};
  for (const d of decls) {
    const props = (d.schema.properties ?? {}) as Record<string, Schema>;
    // Every property, scalars as {}: the fake drops (or, with fieldValidation=Strict, refuses) the
    // fields a type does not have, as the server's typed decoding does. Own properties, "__proto__" too.
    const fields: Record<string, FieldMeta> = Object.fromEntries(
      Object.keys(props)
        .sort()
        .map((f) => [f, fieldMeta(props[f]!) ?? {}]),
    );
    if (d.schema["x-kubernetes-map-type"] === "atomic") fields["."] = { atomic: true };
    if (Object.keys(fields).length > 0) types[d.definition] = fields;
    const gvks = (d.schema["x-kubernetes-group-version-kind"] ?? []) as {
      group: string;
      version: string;
      kind: string;
    }[];
    for (const g of gvks) roots[`${g.group}/${g.version}/${g.kind}`] = d.definition;
  }
  return {
    types,
    roots: Object.fromEntries(Object.entries(roots).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/**
 * The generated module: `export const schemaTable: SchemaTable = {...}`, one line per type where it
 * fits. `fakeDir`: the fake's directory relative to the output, or the package exporting SchemaTable.
 */
export function emitSchemaTable(model: ApiModel, fakeDir = "../fake"): string {
  const t = schemaTable(model);
  // A field named like a member of Object (a CRD's `toString`) is typed from that member, not as a
  // FieldMeta (its "set" a string, not the literal): `satisfies FieldMeta` gives it its type.
  const typed = (key: string, value: unknown) =>
    OBJECT_MEMBERS.has(key) && typeof value === "object" && value !== null && Object.keys(value).length > 0;
  const members = Object.values(t.types).some((fields) =>
    Object.entries(fields).some(([f, m]) => typed(f, m)),
  );
  const after = (key: string, value: unknown) => (typed(key, value) ? " satisfies FieldMeta" : "");
  const lines = (o: Record<string, unknown>) => jsonText(o, 9, "  ", 1, after);
  return printFile([
    header(model.source),
    typeImport(
      fakeDir.startsWith(".") ? relativeImport(SCHEMA_MODULE, `${fakeDir}/schema`) : fakeDir,
      members ? ["FieldMeta", "SchemaTable"] : ["SchemaTable"],
    ),
    {
      kind: "const",
      doc: "Patch strategies, merge keys, list types and map types of the spec's object types, and the root type of each group/version/kind (for the fake clientset).",
      name: "schemaTable",
      type: "SchemaTable",
      initializer: `{\n  types: ${lines(t.types)},\n  roots: ${lines(t.roots)},\n}`,
    },
  ]);
}
