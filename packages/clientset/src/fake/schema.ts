// The parts of the OpenAPI schema the fake's patch and apply logic needs: for each object type, the
// fields that lead to other object types, and the list semantics of array fields (strategic-merge
// patch strategy and merge key, server-side apply list type and list-map keys). The codegen emits
// the table from the spec it reads (src/generated/schema.ts); nothing here is written by hand.

/** How one field of an object type behaves in patches and apply. */
export interface FieldMeta {
  /** The object type of the field, of its list items or of its map values. */
  ref?: string;
  /** The field is an array: its server-side apply list type. */
  list?: "atomic" | "set" | "map";
  /** x-kubernetes-list-map-keys. */
  keys?: string[];
  /** x-kubernetes-patch-merge-key. */
  mergeKey?: string;
  /** x-kubernetes-patch-strategy ("merge", "retainKeys", "merge,retainKeys", "replace"). */
  strategy?: string;
  /** The field is a map (additionalProperties) of `ref` or of scalars. */
  map?: true;
  /** x-kubernetes-map-type: atomic, or a struct marked atomic. */
  atomic?: true;
}

/** Object types by definition name, and the root type of each group/version/kind. */
export interface SchemaTable {
  types: Readonly<Record<string, Readonly<Record<string, FieldMeta>>>>;
  /** "apps/v1/Deployment" (core: "/v1/Pod") → definition name. */
  roots: Readonly<Record<string, string>>;
}

/** The empty table: every list atomic, no strategic-merge metadata (what a CRD without a schema gets). */
export const emptySchema: SchemaTable = { types: {}, roots: {} };

/**
 * One table of several (a CRD package's generated `schemaTable` beside the built-in one): types and
 * roots of later tables win over earlier ones of the same name.
 */
export function mergeSchemas(...tables: readonly SchemaTable[]): SchemaTable {
  if (tables.length === 1) return tables[0]!;
  return {
    types: Object.fromEntries(tables.flatMap((t) => Object.entries(t.types))),
    roots: Object.fromEntries(tables.flatMap((t) => Object.entries(t.roots))),
  };
}

/** The field metadata of `field` in type `type` (undefined: a scalar or unknown field). */
export function fieldOf(schema: SchemaTable, type: string | undefined, field: string): FieldMeta | undefined {
  if (type === undefined || !Object.hasOwn(schema.types, type)) return undefined;
  const fields = schema.types[type]!;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Whether a type is atomic as a whole (x-kubernetes-map-type: atomic on the definition). */
export function typeIsAtomic(schema: SchemaTable, type: string | undefined): boolean {
  return fieldOf(schema, type, ".")?.atomic === true;
}
