// The key order of the server's JSON: Go's encoder writes a map's keys sorted and a struct's fields
// in their declared order. A custom resource is unstructured (maps all the way down), so every
// object of it is sorted; a built-in object's maps (labels, annotations, data, any
// additionalProperties field of the schema table) are sorted, its structs keep the order they have
// (the table does not know Go's declaration order). Keys sort as JavaScript strings do, by UTF-16
// code unit, which is Go's byte order except between characters past U+FFFF and U+E000-U+FFFF.
import { isObject, type Obj, put } from "./resources.js";
import { fieldOf, type SchemaTable } from "./schema.js";

/** A deep copy of a JSON value with every object's keys sorted (a custom resource as Go encodes it). */
export function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) put(out, k, sortedCopy(v[k]));
  return out;
}

/** A deep copy of a built-in object (of `type` in the table) with its maps' keys sorted. */
export function orderedCopy(v: unknown, schema: SchemaTable, type: string | undefined): unknown {
  if (Array.isArray(v)) return v.map((x) => orderedCopy(x, schema, type));
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v)) {
    const meta = type === undefined ? undefined : fieldOf(schema, type, k);
    const x = v[k];
    if (meta?.map && isObject(x)) {
      const m: Obj = {};
      for (const mk of Object.keys(x).sort()) put(m, mk, orderedCopy(x[mk], schema, meta.ref));
      put(out, k, m);
    } else put(out, k, orderedCopy(x, schema, meta?.ref));
  }
  return out;
}
