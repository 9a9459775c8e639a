// The parts of the OpenAPI schema the fake's patch and apply logic needs: for each object type, the
// fields that lead to other object types, and the list semantics of array fields (strategic-merge
// patch strategy and merge key, server-side apply list type and list-map keys). Built from the spec
// the codegen reads (Swagger 2 definitions or OpenAPI 3 components), never written by hand.

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

// biome-ignore lint/suspicious/noExplicitAny: raw OpenAPI schema objects
type Raw = Record<string, any>;

function refName(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  const i = ref.lastIndexOf("/");
  return i < 0 ? ref : ref.slice(i + 1);
}

function schemaRef(s: Raw | undefined): string | undefined {
  if (s === undefined) return undefined;
  return refName(s.$ref) ?? refName(s.allOf?.[0]?.$ref);
}

function fieldMeta(p: Raw): FieldMeta | undefined {
  const m: FieldMeta = {};
  if (p.type === "array") {
    const lt = p["x-kubernetes-list-type"];
    m.list = lt === "map" || lt === "set" ? lt : "atomic";
    const keys = p["x-kubernetes-list-map-keys"];
    if (Array.isArray(keys)) m.keys = keys.map(String);
    const item = schemaRef(p.items);
    if (item !== undefined) m.ref = item;
  } else if (
    p.type === "object" &&
    p.additionalProperties !== undefined &&
    p.additionalProperties !== false
  ) {
    m.map = true;
    const v = schemaRef(p.additionalProperties);
    if (v !== undefined) m.ref = v;
  } else {
    const r = schemaRef(p);
    if (r !== undefined) m.ref = r;
  }
  if (typeof p["x-kubernetes-patch-merge-key"] === "string") m.mergeKey = p["x-kubernetes-patch-merge-key"];
  if (typeof p["x-kubernetes-patch-strategy"] === "string") m.strategy = p["x-kubernetes-patch-strategy"];
  if (p["x-kubernetes-map-type"] === "atomic") m.atomic = true;
  return Object.keys(m).length === 0 ? undefined : m;
}

/** Builds the table from a Swagger 2 (`definitions`) or OpenAPI 3 (`components.schemas`) document. */
export function schemaFromOpenAPI(doc: Raw): SchemaTable {
  const defs: Raw = doc.definitions ?? doc.components?.schemas ?? {};
  const types: Record<string, Record<string, FieldMeta>> = {};
  const roots: Record<string, string> = {};
  for (const name of Object.keys(defs).sort()) {
    const def = defs[name] as Raw;
    const fields: Record<string, FieldMeta> = {};
    for (const [f, p] of Object.entries((def.properties ?? {}) as Raw)) {
      const m = fieldMeta(p as Raw);
      if (m !== undefined) fields[f] = m;
    }
    if (def["x-kubernetes-map-type"] === "atomic") fields["."] = { atomic: true };
    if (Object.keys(fields).length > 0) types[name] = fields;
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      roots[`${gvk.group}/${gvk.version}/${gvk.kind}`] = name;
    }
  }
  return { types, roots };
}

/** The field metadata of `field` in type `type` (undefined: a scalar or unknown field). */
export function fieldOf(schema: SchemaTable, type: string | undefined, field: string): FieldMeta | undefined {
  if (type === undefined) return undefined;
  return schema.types[type]?.[field];
}

/** Whether a type is atomic as a whole (x-kubernetes-map-type: atomic on the definition). */
export function typeIsAtomic(schema: SchemaTable, type: string | undefined): boolean {
  return type !== undefined && schema.types[type]?.["."]?.atomic === true;
}
